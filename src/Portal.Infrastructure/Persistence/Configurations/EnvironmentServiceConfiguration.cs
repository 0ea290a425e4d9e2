namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Environments;

internal sealed class EnvironmentServiceConfiguration : IEntityTypeConfiguration<EnvironmentService>
{
    public void Configure(EntityTypeBuilder<EnvironmentService> builder)
    {
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(ColumnLengths.Name);
        builder.Property(s => s.Location).HasMaxLength(ColumnLengths.Location);
        builder.HasIndex(s => new { s.EnvironmentId, s.Name }).IsUnique();
    }
}
