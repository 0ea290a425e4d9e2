namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Environments;
using Portal.Infrastructure.Snapshots;

internal sealed class RestoreJournalConfiguration : IEntityTypeConfiguration<RestoreJournal>
{
    public void Configure(EntityTypeBuilder<RestoreJournal> builder)
    {
        builder.HasKey(j => j.ActivityId);
        builder.Property(j => j.ActivityId).HasMaxLength(64);
        builder.Property(j => j.SnapshotId).HasMaxLength(64);
        builder.Property(j => j.SafetySnapshotId).HasMaxLength(64);
        builder.Property(j => j.Phase).HasConversion<string>().HasMaxLength(16);
        builder.HasOne<ProjectEnvironment>().WithMany().HasForeignKey(j => j.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
    }
}
