namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Environments;

internal sealed class EnvironmentServiceConfiguration : IEntityTypeConfiguration<EnvironmentService>
{
    public void Configure(EntityTypeBuilder<EnvironmentService> builder)
    {
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(128);
        builder.Property(s => s.Location).HasMaxLength(2000);
        builder.HasIndex(s => new { s.EnvironmentId, s.Name }).IsUnique();
    }
}
