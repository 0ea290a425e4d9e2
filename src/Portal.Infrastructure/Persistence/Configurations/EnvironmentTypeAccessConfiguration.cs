namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Access;
using Portal.Core.Projects;

internal sealed class EnvironmentTypeAccessConfiguration : IEntityTypeConfiguration<EnvironmentTypeAccess>
{
    public void Configure(EntityTypeBuilder<EnvironmentTypeAccess> builder)
    {
        builder.HasKey(a => new { a.ProjectId, a.UserId, a.EnvironmentType });
        builder.Property(a => a.ProjectId).HasMaxLength(64);
        builder.Property(a => a.UserId).HasMaxLength(ColumnLengths.UserId);
        builder.HasOne<Project>().WithMany().HasForeignKey(a => a.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
