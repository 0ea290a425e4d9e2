namespace Portal.Bench;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Portal.Core.Activities;

/// <summary>
/// Table and column names, and the value conversions (enums as strings, SQLite's DateTimeOffset as UTC ticks), read from
/// the provider's EF model, so the bulk load writes exactly what EF would write.
/// </summary>
internal sealed class ActivityColumns
{
    // Every column but the generated Sequence, in the order the loaders write them.
    public static readonly string[] Properties =
    [
        nameof(Activity.Id), nameof(Activity.ProjectId), nameof(Activity.EnvironmentId), nameof(Activity.EnvironmentName),
        nameof(Activity.Type), nameof(Activity.State), nameof(Activity.Result), nameof(Activity.CompletionPercent),
        nameof(Activity.CreatedAt), nameof(Activity.StartedAt), nameof(Activity.CompletedAt), nameof(Activity.Log),
        nameof(Activity.SnapshotId), nameof(Activity.Payload), nameof(Activity.Text), nameof(Activity.InitiatedBy),
        nameof(Activity.Reason),
    ];

    private readonly IEntityType entity;
    private readonly StoreObjectIdentifier table;

    public ActivityColumns(DbContext db)
    {
        entity = db.Model.FindEntityType(typeof(Activity)) ?? throw new InvalidOperationException("Activity is not in the model.");
        table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        EnvironmentsTable = db.Model.FindEntityType(typeof(Core.Environments.ProjectEnvironment))!.GetTableName()!;
    }

    public string Table => table.Name;

    public string EnvironmentsTable { get; }

    public string Column(string property) => entity.FindProperty(property)!.GetColumnName(table)!;

    public IEnumerable<string> Columns => Properties.Select(Column);

    /// <summary>The value as the provider stores it, through the property's configured converter if any.</summary>
    public object? ToProvider(string property, object? value)
    {
        if (value is null)
        {
            return null;
        }

        var converter = entity.FindProperty(property)!.GetTypeMapping().Converter;
        return converter is null ? value : converter.ConvertToProvider(value);
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
