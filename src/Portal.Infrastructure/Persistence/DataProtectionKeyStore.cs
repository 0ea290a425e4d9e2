namespace Portal.Infrastructure.Persistence;

using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

public static class DataProtectionKeyStore
{
    /// <summary>
    /// Keeps the keys that protect cookies and antiforgery tokens in Portal's database (SQLite or PostgreSQL),
    /// so sessions survive restarts and every node behind a load balancer can read every other node's cookies.
    /// </summary>
    public static IDataProtectionBuilder PersistKeysToPortalDatabase(this IDataProtectionBuilder builder)
    {
        // The key repository asks the container for a context; hand it one from the configured provider's factory.
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        return builder.PersistKeysToDbContext<PortalDbContext>();
    }
}
