namespace Portal.Core.Tests.Snapshots;

using Portal.Core.Access;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

public sealed class SnapshotRulesTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 1, 9, 30, 0, TimeSpan.Zero);

    private static EffectiveRoles TypeRole(EnvironmentType type, EnvironmentRole role) =>
        new(ProjectRole.Viewer, new Dictionary<EnvironmentType, EnvironmentRole> { [type] = role });

    private static ProjectEnvironment Environment(
        EnvironmentType type = EnvironmentType.Development, EnvironmentPlan plan = EnvironmentPlan.Pro, EnvironmentStatus status = EnvironmentStatus.Active) =>
        new() { ProjectId = "p", Name = "develop-branch", Title = "Develop", Type = type, Plan = plan, Status = status };

    private static Snapshot Snapshot(SnapshotStatus status = SnapshotStatus.Created) => new()
    {
        Id = "abc123",
        ProjectId = "p",
        EnvironmentName = "develop-branch",
        Status = status,
        CreatedAt = Created,
        ExpiresAt = Created.AddDays(7),
        CreatedBy = "alice",
        ActivityId = "act",
        FailureReason = status == SnapshotStatus.Failed ? "disk full" : null,
    };

    [Theory]
    [InlineData(EnvironmentRole.Contributor, "your role there is contributor")]
    [InlineData(EnvironmentRole.Viewer, "your role there is viewer")]
    public void CreateIsRefusedWithoutTheAdminRoleNamingTheMissingRole(EnvironmentRole role, string detail)
    {
        var refusal = SnapshotRules.CheckCanSnapshot(Environment(), TypeRole(EnvironmentType.Development, role));

        Assert.NotNull(refusal);
        Assert.Equal(RefusalCode.MissingRole, refusal.Code);
        Assert.StartsWith("You need the Admin role on development environments to create snapshots", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(detail, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProjectAdminActsAsAdminOnEveryEnvironmentType()
    {
        var roles = new EffectiveRoles(ProjectRole.Admin, new Dictionary<EnvironmentType, EnvironmentRole>());

        Assert.All(Enum.GetValues<EnvironmentType>(), type => Assert.Equal(EnvironmentRole.Admin, roles.RoleOn(type)));
        Assert.Null(SnapshotRules.CheckCanSnapshot(Environment(), roles));
    }

    [Fact]
    public void AnEnvironmentTypeAdminIsAdminOnlyOnThatType()
    {
        var roles = TypeRole(EnvironmentType.Staging, EnvironmentRole.Admin);

        Assert.Null(SnapshotRules.CheckCanSnapshot(Environment(EnvironmentType.Staging, EnvironmentPlan.Starter), roles));
        Assert.Equal(RefusalCode.MissingRole, SnapshotRules.CheckCanSnapshot(Environment(EnvironmentType.Production, EnvironmentPlan.Starter), roles)?.Code);
    }

    [Theory]
    [InlineData(EnvironmentType.Staging)]
    [InlineData(EnvironmentType.Production)]
    public void CreateIsRefusedOnProStagingAndProduction(EnvironmentType type)
    {
        var admin = new EffectiveRoles(ProjectRole.Admin, new Dictionary<EnvironmentType, EnvironmentRole>());

        var refusal = SnapshotRules.CheckCanSnapshot(Environment(type, EnvironmentPlan.Pro), admin);

        Assert.Equal(new Refusal(RefusalCode.NotAvailableOnPlan, "Snapshots are not available for Pro Staging and Production environments."), refusal);
    }

    [Theory]
    [InlineData(EnvironmentType.Staging)]
    [InlineData(EnvironmentType.Production)]
    public void StarterStagingAndProductionAllowSnapshots(EnvironmentType type)
    {
        var admin = new EffectiveRoles(ProjectRole.Admin, new Dictionary<EnvironmentType, EnvironmentRole>());

        Assert.Null(SnapshotRules.CheckCanSnapshot(Environment(type, EnvironmentPlan.Starter), admin));
    }

    [Fact]
    public void CreateIsRefusedOnAnInactiveEnvironment()
    {
        var refusal = SnapshotRules.CheckEnvironmentAllowsSnapshots(Environment(status: EnvironmentStatus.Inactive));

        Assert.Equal(RefusalCode.EnvironmentInactive, refusal?.Code);
        Assert.Equal("Snapshots are not available on inactive environments: activate develop-branch first.", refusal?.Message);
    }

    [Fact]
    public void RestoreIsRefusedAfterSevenDaysWithTheExpiryDate()
    {
        var refusal = SnapshotRules.CheckRestorable(Snapshot(), Environment(), Created.AddDays(7));

        Assert.Equal(RefusalCode.SnapshotExpired, refusal?.Code);
        Assert.Equal("Snapshot abc123 expired on 2026-11-08 09:30 UTC and can no longer be restored.", refusal?.Message);
    }

    [Fact]
    public void RestoreIsAllowedJustBeforeExpiry() =>
        Assert.Null(SnapshotRules.CheckRestorable(Snapshot(), Environment(), Created.AddDays(7).AddSeconds(-1)));

    [Theory]
    [InlineData(SnapshotStatus.Creating, RefusalCode.SnapshotNotReady, "Snapshot abc123 is still being created; it can be restored once it is complete and verified.")]
    [InlineData(SnapshotStatus.Failed, RefusalCode.SnapshotFailed, "Snapshot abc123 failed and cannot be restored: disk full")]
    [InlineData(SnapshotStatus.Deleting, RefusalCode.SnapshotDeleted, "Snapshot abc123 was deleted and cannot be restored.")]
    [InlineData(SnapshotStatus.Deleted, RefusalCode.SnapshotDeleted, "Snapshot abc123 was deleted and cannot be restored.")]
    public void RestoreIsRefusedUntilTheSnapshotIsCompleteWithTheReason(SnapshotStatus status, RefusalCode code, string message)
    {
        var refusal = SnapshotRules.CheckRestorable(Snapshot(status), Environment(), Created.AddHours(1));

        Assert.Equal(new Refusal(code, message), refusal);
    }

    [Fact]
    public void RestoreIsRefusedOnAnInactiveEnvironment()
    {
        var refusal = SnapshotRules.CheckRestorable(Snapshot(), Environment(status: EnvironmentStatus.Inactive), Created.AddHours(1));

        Assert.Equal(RefusalCode.EnvironmentInactive, refusal?.Code);
    }

    [Fact]
    public void APausedEnvironmentStillAcceptsSnapshotsThatWillQueue() =>
        Assert.Null(SnapshotRules.CheckEnvironmentAllowsSnapshots(Environment(status: EnvironmentStatus.Paused)));

    [Fact]
    public void ASnapshotThatFailedItsVerifyIsNotRestorableAndTheRefusalSaysWhenAndWhatIsDamaged()
    {
        var snapshot = Snapshot();
        snapshot.VerifiedAt = Created.AddDays(1);
        snapshot.VerifyFailure = "Snapshot object 0a1b (var:log/a.log) is missing from the store.";

        var refusal = SnapshotRules.CheckRestorable(snapshot, Environment(), Created.AddDays(2));

        Assert.Equal(RefusalCode.SnapshotCorrupt, refusal?.Code);
        Assert.Equal("Snapshot abc123 failed its verification on 2026-11-02 09:30 UTC and cannot be restored: "
            + "Snapshot object 0a1b (var:log/a.log) is missing from the store.", refusal?.Message);
    }

    [Fact]
    public void PastItsWindowADamagedSnapshotIsRefusedAsExpired()
    {
        var snapshot = Snapshot();
        snapshot.VerifiedAt = Created.AddDays(1);
        snapshot.VerifyFailure = "damaged";

        Assert.Equal(RefusalCode.SnapshotExpired, SnapshotRules.CheckRestorable(snapshot, Environment(), Created.AddDays(8))?.Code);
    }

    [Fact]
    public void APassedVerifyLeavesTheSnapshotRestorable()
    {
        var snapshot = Snapshot();
        snapshot.VerifiedAt = Created.AddDays(1);

        Assert.Null(SnapshotRules.CheckRestorable(snapshot, Environment(), Created.AddDays(2)));
    }

    [Theory]
    [InlineData(SnapshotStatus.Creating, RefusalCode.SnapshotNotReady)]
    [InlineData(SnapshotStatus.Failed, RefusalCode.SnapshotFailed)]
    [InlineData(SnapshotStatus.Deleting, RefusalCode.SnapshotDeleted)]
    [InlineData(SnapshotStatus.Deleted, RefusalCode.SnapshotDeleted)]
    [InlineData(SnapshotStatus.Expired, RefusalCode.SnapshotExpired)]
    public void OnlyACompleteSnapshotHasStoredDataToVerify(SnapshotStatus status, RefusalCode code)
    {
        Assert.Null(SnapshotRules.CheckVerifiable(Snapshot()));
        Assert.Equal(code, SnapshotRules.CheckVerifiable(Snapshot(status))?.Code);
    }

    [Fact]
    public void AVerifyIsDueWhenNeverVerifiedOrNotWithinTheIntervalAndNeverForADamagedOrExpiredSnapshot()
    {
        var every = TimeSpan.FromDays(1);
        var snapshot = Snapshot();
        Assert.True(SnapshotRules.IsVerifyDue(snapshot, Created.AddHours(1), every));

        snapshot.VerifiedAt = Created.AddHours(1);
        Assert.False(SnapshotRules.IsVerifyDue(snapshot, Created.AddHours(24), every));
        Assert.True(SnapshotRules.IsVerifyDue(snapshot, Created.AddHours(25), every));
        Assert.False(SnapshotRules.IsVerifyDue(snapshot, Created.AddDays(7), every));

        snapshot.VerifyFailure = "damaged";
        Assert.False(SnapshotRules.IsVerifyDue(snapshot, Created.AddHours(25), every));
        Assert.False(SnapshotRules.IsVerifyDue(Snapshot(SnapshotStatus.Creating), Created.AddHours(1), every));
    }
}
