namespace Portal.Core.Snapshots;

using System.Globalization;
using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;

/// <summary>DESIGN.md "Rules" 1, 2 and 4 as pure functions, so every entry point and the worker share them.</summary>
public static class SnapshotRules
{
    public const string ProPlanMessage = "Snapshots are not available for Pro Staging and Production environments.";

    public static Refusal? CheckAdmin(EffectiveRoles roles, EnvironmentType type, string toDoWhat) =>
        CheckAdminRole(roles.RoleOn(type), type, toDoWhat);

    /// <summary>Rule 1 from the role already resolved for the environment's type (what an <see cref="EnvironmentView"/> keeps).</summary>
    public static Refusal? CheckAdminRole(EnvironmentRole? role, EnvironmentType type, string toDoWhat) =>
        role == EnvironmentRole.Admin
            ? null
            : new Refusal(RefusalCode.MissingRole,
                $"You need the Admin role on {type.ToApiName()} environments to {toDoWhat}"
                + (role is null ? "; you have no role there." : $"; your role there is {role.Value.ToString().ToLowerInvariant()}."));

    /// <summary>Whether the environment can have snapshots at all (rule 2), regardless of who asks.</summary>
    public static Refusal? CheckEnvironmentAllowsSnapshots(ProjectEnvironment environment)
    {
        if (environment.Plan == EnvironmentPlan.Pro && environment.Type is EnvironmentType.Staging or EnvironmentType.Production)
        {
            return new Refusal(RefusalCode.NotAvailableOnPlan, ProPlanMessage);
        }

        return environment.Status == EnvironmentStatus.Inactive
            ? new Refusal(RefusalCode.EnvironmentInactive,
                $"Snapshots are not available on inactive environments: activate {environment.Name} first.")
            : null;
    }

    public static Refusal? CheckCanSnapshot(ProjectEnvironment environment, EffectiveRoles roles) =>
        CheckCanSnapshotAs(environment, roles.RoleOn(environment.Type));

    public static Refusal? CheckCanSnapshotAs(ProjectEnvironment environment, EnvironmentRole? role) =>
        CheckAdminRole(role, environment.Type, "create snapshots") ?? CheckEnvironmentAllowsSnapshots(environment);

    /// <summary>Rule 4: restorable only once complete and verified, within the retention (or pinned), on an active environment.</summary>
    public static Refusal? CheckRestorable(Snapshot snapshot, ProjectEnvironment environment, DateTimeOffset now)
    {
        switch (snapshot.Status)
        {
            case SnapshotStatus.Creating:
                return new Refusal(RefusalCode.SnapshotNotReady,
                    $"Snapshot {snapshot.Id} is still being created; it can be restored once it is complete and verified.");
            case SnapshotStatus.Failed:
                return new Refusal(RefusalCode.SnapshotFailed,
                    $"Snapshot {snapshot.Id} failed and cannot be restored" + (snapshot.FailureReason is { } reason ? $": {reason}" : "."));
            case SnapshotStatus.Deleting or SnapshotStatus.Deleted:
                return new Refusal(RefusalCode.SnapshotDeleted, $"Snapshot {snapshot.Id} was deleted and cannot be restored.");
            case SnapshotStatus.Expired when now < snapshot.ExpiresAt:
                return new Refusal(RefusalCode.SnapshotExpired,
                    $"Snapshot {snapshot.Id} was rotated out by the retention policy and can no longer be restored.");
        }

        // A pinned snapshot is kept past its window (the sweep leaves it), so it stays restorable until it is unpinned.
        if (snapshot.Status == SnapshotStatus.Expired || (now >= snapshot.ExpiresAt && !snapshot.IsPinned))
        {
            return new Refusal(RefusalCode.SnapshotExpired,
                $"Snapshot {snapshot.Id} expired on {FormatUtc(snapshot.ExpiresAt)} and can no longer be restored.");
        }

        // After the expiry: once past its window a snapshot's data leaves the store anyway, and "expired" says so plainly.
        if (snapshot.VerifyFailure is { } damage)
        {
            return new Refusal(RefusalCode.SnapshotCorrupt,
                $"Snapshot {snapshot.Id} failed its verification"
                + (snapshot.VerifiedAt is { } at ? $" on {FormatUtc(at)}" : "") + $" and cannot be restored: {damage}");
        }

        return environment.Status == EnvironmentStatus.Inactive
            ? new Refusal(RefusalCode.EnvironmentInactive,
                $"Snapshots cannot be restored on inactive environments: activate {environment.Name} first.")
            : null;
    }

    /// <summary>A verify reads a complete snapshot's stored data: one still being created, failed, deleted or expired has none to read.</summary>
    public static Refusal? CheckVerifiable(Snapshot snapshot) => snapshot.Status switch
    {
        SnapshotStatus.Created => null,
        SnapshotStatus.Creating => new Refusal(RefusalCode.SnapshotNotReady,
            $"Snapshot {snapshot.Id} is still being created; it can be verified once it is complete."),
        SnapshotStatus.Failed => new Refusal(RefusalCode.SnapshotFailed, $"Snapshot {snapshot.Id} failed; it has no stored data to verify."),
        SnapshotStatus.Expired => new Refusal(RefusalCode.SnapshotExpired,
            $"Snapshot {snapshot.Id} expired on {FormatUtc(snapshot.ExpiresAt)}; its data has left the store."),
        _ => new Refusal(RefusalCode.SnapshotDeleted, $"Snapshot {snapshot.Id} was deleted; it has no stored data to verify."),
    };

    /// <summary>
    /// Whether the periodic verify should check this snapshot (again): it is complete, within its window, not known damaged,
    /// and was never verified or not within <paramref name="every"/>.
    /// </summary>
    public static bool IsVerifyDue(Snapshot snapshot, DateTimeOffset now, TimeSpan every) =>
        snapshot.Status == SnapshotStatus.Created && snapshot.VerifyFailure is null && now < snapshot.ExpiresAt
        && (snapshot.VerifiedAt is not { } verified || now - verified >= every);

    public static string FormatUtc(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
