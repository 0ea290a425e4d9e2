namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Environments;

internal sealed class ProjectEnvironmentConfiguration : IEntityTypeConfiguration<ProjectEnvironment>
{
    public void Configure(EntityTypeBuilder<ProjectEnvironment> builder)
    {
        builder.HasKey(e => e.Id);
        builder.Property(e => e.ProjectId).HasMaxLength(64);
        builder.Property(e => e.Name).HasMaxLength(ColumnLengths.Name);
        builder.Property(e => e.Title).HasMaxLength(ColumnLengths.Title);
        builder.Property(e => e.ParentName).HasMaxLength(ColumnLengths.Name);
        builder.Property(e => e.StatusReason).HasMaxLength(2000);
        builder.Property(e => e.PreSnapshotCommand).HasMaxLength(ColumnLengths.Command);
        builder.Property(e => e.PostSnapshotCommand).HasMaxLength(ColumnLengths.Command);
        builder.HasIndex(e => new { e.ProjectId, e.Name }).IsUnique();
        builder.HasMany(e => e.Services).WithOne().HasForeignKey(s => s.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
    }
}
