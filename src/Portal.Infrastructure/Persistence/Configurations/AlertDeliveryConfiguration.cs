namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Alerts;

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.HasKey(d => d.Id);
        builder.Property(d => d.ProjectId).HasMaxLength(64);
        builder.Property(d => d.WebhookUrl).HasMaxLength(2000);
        builder.Property(d => d.ActivityId).HasMaxLength(64);
        builder.Property(d => d.Event).HasMaxLength(64);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(2000);
        // One alert per activity and webhook, however many nodes or restarts raise it.
        builder.HasIndex(d => new { d.ActivityId, d.WebhookUrl }).IsUnique();
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => new { d.ProjectId, d.CreatedAt });
    }
}
