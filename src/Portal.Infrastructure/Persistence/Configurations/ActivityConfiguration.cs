namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Activities;
using Portal.Core.Environments;

internal sealed class ActivityConfiguration : IEntityTypeConfiguration<Activity>
{
    public void Configure(EntityTypeBuilder<Activity> builder)
    {
        // The sequence is the key: it gives FIFO order and a unique keyset tie-breaker; Id is what users see.
        builder.HasKey(a => a.Sequence);
        builder.Property(a => a.Sequence).ValueGeneratedOnAdd();
        builder.HasAlternateKey(a => a.Id);
        builder.Property(a => a.Id).HasMaxLength(64);
        builder.Property(a => a.ProjectId).HasMaxLength(64);
        builder.Property(a => a.EnvironmentName).HasMaxLength(128);
        builder.Property(a => a.Type).HasMaxLength(64);
        builder.Property(a => a.SnapshotId).HasMaxLength(64);
        builder.Property(a => a.Payload).HasMaxLength(4000);
        builder.Property(a => a.Text).HasMaxLength(500);
        builder.Property(a => a.InitiatedBy).HasMaxLength(200);
        builder.Property(a => a.Reason).HasMaxLength(2000);
        // Leases (PostgreSQL, several nodes): who runs it and until when, so a node that dies is noticed and its work taken over.
        builder.Property<string?>(LeaseColumns.ClaimedBy).HasMaxLength(128);
        builder.Property<DateTimeOffset?>(LeaseColumns.LeaseExpiresAt);

        // The label the environment required when queued: only a node with that label (or "all") may run it.
        builder.Property<string>(LeaseColumns.Placement).IsRequired().HasMaxLength(64).HasDefaultValue(LeaseColumns.AnyNode);
        builder.HasOne<ProjectEnvironment>().WithMany().HasForeignKey(a => a.EnvironmentId).OnDelete(DeleteBehavior.Cascade);

        // The feed: newest first per environment, optionally of one type; keyset paging on (created_at, sequence).
        builder.HasIndex(a => new { a.EnvironmentId, a.CreatedAt, a.Sequence })
            .IsDescending(false, true, true).HasDatabaseName("ix_activities_feed");
        builder.HasIndex(a => new { a.EnvironmentId, a.Type, a.CreatedAt, a.Sequence })
            .IsDescending(false, false, true, true).HasDatabaseName("ix_activities_feed_by_type");
        builder.HasIndex(a => new { a.ProjectId, a.CreatedAt, a.Sequence })
            .IsDescending(false, true, true).HasDatabaseName("ix_activities_project_feed");

        // The worker looks for pending and in-progress work among millions of finished entries.
        builder.HasIndex(a => new { a.State, a.Sequence }).HasDatabaseName("ix_activities_queue");
        builder.HasIndex(a => a.SnapshotId);
    }
}
