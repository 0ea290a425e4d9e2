namespace Portal.Core.Snapshots;

using Microsoft.Extensions.Options;
using Portal.Core.Common;

/// <summary>Refuses to start on a Snapshots setting out of range, naming it.</summary>
internal sealed class SnapshotOptionsValidator : IValidateOptions<SnapshotOptions>
{
    public ValidateOptionsResult Validate(string? name, SnapshotOptions options)
    {
        var problems = new SettingProblems();
        problems.Range($"{SnapshotOptions.Section}:{nameof(options.RetentionDays)}", options.RetentionDays, 1, SnapshotOptions.MaxRetentionDays);
        problems.Between($"{SnapshotOptions.Section}:{nameof(options.VerifyEvery)}", options.VerifyEvery, SnapshotOptions.MinVerifyEvery, SnapshotOptions.MaxVerifyEvery);
        return problems.Result;
    }
}
