namespace Portal.Testing;

using System.Collections;
using System.Globalization;
using System.Reflection;

/// <summary>
/// Objects as the flat <c>Section:0:Property:1:…</c> keys ASP.NET Core configuration binds them back from, so a test
/// declares a project with Portal's own types (Portal.Infrastructure's ProjectDefinition) and hands it to a Portal process.
/// </summary>
public static class ConfigurationPairs
{
    public const string ProjectsSection = "Projects";

    /// <summary>Declared projects as the <c>Projects:N:…</c> settings, e.g. <c>ConfigurationPairs.Projects(new ProjectDefinition { Id = "shop", … })</c>.</summary>
    public static Dictionary<string, string?> Projects<T>(params IEnumerable<T> projects)
        where T : notnull => Of(ProjectsSection, projects);

    /// <summary>Each item under <c>section:index</c>; nulls are left out, as configuration cannot say null.</summary>
    public static Dictionary<string, string?> Of(string section, IEnumerable items)
    {
        var pairs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Add(pairs, section, items);
        return pairs;
    }

    private static void Add(Dictionary<string, string?> pairs, string key, object? value)
    {
        switch (value)
        {
            case null:
                return;
            case string or Enum or Guid or bool or char:
                pairs[key] = value.ToString();
                return;
            case IFormattable formattable:
                pairs[key] = formattable.ToString(null, CultureInfo.InvariantCulture);
                return;
            case IEnumerable items:
                var index = 0;
                foreach (var item in items)
                {
                    Add(pairs, $"{key}:{index++}", item);
                }

                return;
            default:
                foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
                {
                    Add(pairs, $"{key}:{property.Name}", property.GetValue(value));
                }

                return;
        }
    }
}
