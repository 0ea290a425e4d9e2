namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Environments;
using Portal.Core.Snapshots;

internal sealed class SnapshotConfiguration : IEntityTypeConfiguration<Snapshot>
{
    public void Configure(EntityTypeBuilder<Snapshot> builder)
    {
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.ProjectId).HasMaxLength(64);
        builder.Property(s => s.EnvironmentName).HasMaxLength(128);
        builder.Property(s => s.CommitId).HasMaxLength(64);
        builder.Property(s => s.CreatedBy).HasMaxLength(200);
        builder.Property(s => s.ActivityId).HasMaxLength(64);
        builder.Property(s => s.FailureReason).HasMaxLength(2000);
        builder.Property(s => s.PinnedBy).HasMaxLength(ColumnLengths.UserId);
        builder.Property(s => s.PinReason).HasMaxLength(SnapshotService.MaxPinReasonLength);
        builder.Ignore(s => s.IsPinned);
        builder.Property(s => s.VerifyFailure).HasMaxLength(ColumnLengths.Reason);
        builder.HasOne<ProjectEnvironment>().WithMany().HasForeignKey(s => s.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => new { s.EnvironmentId, s.CreatedAt }).IsDescending(false, true);
    }
}
