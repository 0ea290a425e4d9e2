namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Alerts;

internal sealed class AlertDeliveryConfiguration : IEntityTypeConfiguration<AlertDelivery>
{
    public void Configure(EntityTypeBuilder<AlertDelivery> builder)
    {
        builder.HasKey(d => d.Id);
        builder.Property(d => d.ProjectId).HasMaxLength(64);
        builder.Property(d => d.Channel).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.Target).HasMaxLength(2000);
        builder.Property(d => d.ActivityId).HasMaxLength(64);
        builder.Property(d => d.Event).HasMaxLength(64);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(2000);
        // One delivery per alert and receiver, however many nodes or restarts raise it.
        builder.HasIndex(d => new { d.AlertId, d.Channel, d.Target }).IsUnique();
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => new { d.ProjectId, d.CreatedAt });
    }
}
