namespace Portal.Core.Common;

using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

/// <summary>What is wrong with the settings, each problem naming its key (Section:Key) and the value it got, for an <see cref="IValidateOptions{TOptions}"/>.</summary>
public sealed partial class SettingProblems
{
    private readonly List<string> _problems = [];

    public ValidateOptionsResult Result => _problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_problems);

    /// <summary>Adds "<paramref name="setting"/> <paramref name="problem"/>", e.g. "AzureAd:ClientId is required".</summary>
    public void Add(string setting, string problem) => _problems.Add($"{setting} {problem}");

    /// <summary>Adds a problem that already names its settings.</summary>
    public void Add(string problem) => _problems.Add(problem);

    public void Range(string setting, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Add(setting, $"must be between {min} and {max} (got {value})");
        }
    }

    public void Between(string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            Add(setting, $"must be between {min:c} and {max:c} (got {value:c})");
        }
    }

    /// <summary>An enum setting given as a number binds to any value; only the named ones mean something.</summary>
    public void Defined<T>(string setting, T value)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            Add(setting, $"must be {string.Join(" or ", Enum.GetNames<T>())} (got {value})");
        }
    }

    /// <summary>An absolute https:// URL, as sign-in needs for its provider; empty values are the caller's to require.</summary>
    public void HttpsUrl(string setting, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value)
            && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && string.IsNullOrEmpty(uri.UserInfo)))
        {
            Add(setting, $"must be an https:// URL (got \"{value}\")");
        }
    }

    public void Required(string setting, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(setting, $"is required ({what})");
        }
    }

    /// <summary>
    /// Binds each item of a list section on its own and reports the ones that fail: binding the whole list drops an item it
    /// cannot convert (a misspelt enum, say) without a word, and the setting would silently vanish.
    /// </summary>
    public void Items<T>(IConfigurationSection list, Action<IConfigurationSection, T>? each = null)
    {
        foreach (var item in list.GetChildren())
        {
            try
            {
                if (item.Get<T>() is { } bound)
                {
                    each?.Invoke(item, bound);
                }
            }
            catch (InvalidOperationException ex) when (Unconvertible(ex) is { } problem)
            {
                Add(problem);
            }
        }
    }

    /// <summary>"Engine:CompressionLevel must be a whole number (got "fast")" for the binder's "Failed to convert configuration value …"; null for any other exception.</summary>
    public static string? Unconvertible(Exception exception)
    {
        // The binder throws the general InvalidOperationException; where it was thrown tells it apart.
        if (exception is not InvalidOperationException
            || exception.TargetSite?.DeclaringType?.FullName?.StartsWith("Microsoft.Extensions.Configuration.ConfigurationBinder", StringComparison.Ordinal) != true)
        {
            return null;
        }

        var match = BinderFailure().Match(exception.Message);
        if (!match.Success)
        {
            return exception.Message;
        }

        var typeName = match.Groups["type"].Value;
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null);
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        var expected = type switch
        {
            { IsEnum: true } => string.Join(" or ", Enum.GetNames(type)),
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(bool) => "true or false",
            _ => $"a {type?.Name ?? typeName}",
        };
        return $"{match.Groups["path"].Value} must be {expected} (got \"{match.Groups["value"].Value}\")";
    }

    [GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<path>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();
}
