namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Alerts;

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> builder)
    {
        builder.HasKey(a => a.Id);
        builder.Property(a => a.ProjectId).HasMaxLength(64);
        builder.Property(a => a.EnvironmentName).HasMaxLength(64);
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(a => a.Key).HasMaxLength(200);
        builder.Property(a => a.ActivityId).HasMaxLength(64);
        builder.Property(a => a.Message).HasMaxLength(2000);
        builder.Property(a => a.ClosedBecause).HasMaxLength(300);
        builder.Ignore(a => a.IsOpen);
        builder.Ignore(a => a.Event);
        // The same failure, overrun or missed run is raised once, whichever node or restart sees it first.
        builder.HasIndex(a => a.Key).IsUnique();
        builder.HasIndex(a => new { a.EnvironmentId, a.ClosedAt });
        builder.HasIndex(a => new { a.ProjectId, a.ClosedAt });
    }
}
