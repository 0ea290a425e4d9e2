namespace Portal.Infrastructure.Persistence.Configurations;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Access;
using Portal.Core.Access.Tokens;

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasMaxLength(ColumnLengths.Name);
        builder.Property(t => t.UserId).HasMaxLength(ColumnLengths.UserId);
        builder.Property(t => t.Name).HasMaxLength(ApiTokenRules.MaxNameLength);
        builder.Property(t => t.Prefix).HasMaxLength(32);
        builder.Property(t => t.SecretHash).HasMaxLength(64);
        builder.Property(t => t.LastUsedFrom).HasMaxLength(64);
        builder.HasIndex(t => t.SecretHash).IsUnique();
        builder.HasIndex(t => t.UserId);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
