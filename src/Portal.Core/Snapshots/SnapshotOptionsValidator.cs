namespace Portal.Core.Snapshots;

using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>Refuses to start on a Snapshots setting out of range, naming it.</summary>
internal sealed class SnapshotOptionsValidator : IValidateOptions<SnapshotOptions>
{
    public ValidateOptionsResult Validate(string? name, SnapshotOptions options)
    {
        var problems = new SettingProblems();
        problems.Range($"{SnapshotOptions.Section}:{nameof(options.RetentionDays)}", options.RetentionDays, 1, SnapshotOptions.MaxRetentionDays);
        foreach (var type in Enum.GetValues<EnvironmentType>())
        {
            var policy = options.Retention.For(type);
            var at = $"{SnapshotOptions.Section}:{nameof(options.Retention)}:{type.ToApiName()}:";
            if (policy.ManualDays is { } days)
            {
                problems.Range(at + nameof(policy.ManualDays), days, 1, SnapshotOptions.MaxRetentionDays);
            }

            problems.Range(at + nameof(policy.ManualMax), policy.ManualMax, 0, RetentionPolicy.MaxCount);
            problems.Range(at + nameof(policy.Hourly), policy.Hourly, 0, RetentionPolicy.MaxCount);
            problems.Range(at + nameof(policy.Daily), policy.Daily, 0, RetentionPolicy.MaxCount);
            problems.Range(at + nameof(policy.Weekly), policy.Weekly, 0, RetentionPolicy.MaxCount);
            problems.Range(at + nameof(policy.Monthly), policy.Monthly, 0, RetentionPolicy.MaxCount);
            if (policy is { Hourly: <= 0, Daily: <= 0, Weekly: <= 0, Monthly: <= 0 })
            {
                problems.Add($"{at}{{Hourly,Daily,Weekly,Monthly}} must keep at least one automated snapshot: set one of them to 1 or more");
            }
        }

        problems.Between($"{SnapshotOptions.Section}:{nameof(options.VerifyEvery)}", options.VerifyEvery, SnapshotOptions.MinVerifyEvery, SnapshotOptions.MaxVerifyEvery);
        return problems.Result;
    }
}
