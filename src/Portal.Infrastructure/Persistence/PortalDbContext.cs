namespace Portal.Infrastructure.Persistence;

using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Core.Access;
using Portal.Core.Access.Tokens;
using Portal.Core.Activities;
using Portal.Core.Environments;
using Portal.Core.Projects;
using Portal.Core.Schedules;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Snapshots;

/// <summary>The provider-neutral model; each provider subclass owns its migrations (see docs/adr/0001).</summary>
public abstract class PortalDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Project> Projects => Set<Project>();
    public DbSet<ProjectEnvironment> Environments => Set<ProjectEnvironment>();
    public DbSet<EnvironmentService> EnvironmentServices => Set<EnvironmentService>();
    public DbSet<Snapshot> Snapshots => Set<Snapshot>();
    public DbSet<Activity> Activities => Set<Activity>();
    public DbSet<PortalUser> Users => Set<PortalUser>();
    public DbSet<ProjectAccess> ProjectAccess => Set<ProjectAccess>();
    public DbSet<EnvironmentTypeAccess> EnvironmentTypeAccess => Set<EnvironmentTypeAccess>();
    public DbSet<RestoreJournal> RestoreJournals => Set<RestoreJournal>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<SnapshotSchedule> Schedules => Set<SnapshotSchedule>();
    public DbSet<Portal.Core.Alerts.Alert> Alerts => Set<Portal.Core.Alerts.Alert>();
    public DbSet<Portal.Core.Alerts.AlertDelivery> AlertDeliveries => Set<Portal.Core.Alerts.AlertDelivery>();

    /// <summary>ASP.NET Core data-protection keys (cookies, antiforgery), shared by every node.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums as readable strings: the database stays legible and reordering an enum cannot corrupt data.
        configurationBuilder.Properties<ActivityState>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ActivityResult>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<SnapshotStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<EnvironmentType>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<EnvironmentPlan>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<EnvironmentStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ServiceKind>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ProjectRole>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<EnvironmentRole>().HaveConversion<string>().HaveMaxLength(16);
    }
}
