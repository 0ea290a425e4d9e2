namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Environments;
using Portal.Core.Schedules;

internal sealed class SnapshotScheduleConfiguration : IEntityTypeConfiguration<SnapshotSchedule>
{
    public void Configure(EntityTypeBuilder<SnapshotSchedule> builder)
    {
        builder.ToTable("SnapshotSchedules");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.ProjectId).HasMaxLength(64);
        builder.Property(s => s.Cron).HasMaxLength(ScheduleRules.MaxCronLength);
        builder.Property(s => s.UpdatedBy).HasMaxLength(200);
        builder.Ignore(s => s.DueAfter);
        builder.HasOne<ProjectEnvironment>().WithMany().HasForeignKey(s => s.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => s.EnvironmentId).IsUnique();
    }
}
