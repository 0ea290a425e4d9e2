namespace Portal.Web.Tests;

using Portal.Web.Identity;

/// <summary>
/// A bad setting stops the start with exit code 1 and one line on stderr naming it. The whole table runs Portal's own start
/// (PortalHost.RunAsync) in-process; a few run the real Portal process, where the exit code and stderr are the operator's.
/// </summary>
public sealed class PortalHostTests : IDisposable
{
    private const string Entra = "AzureAd:Instance=https://login.microsoftonline.com/|AzureAd:TenantId=contoso.example|AzureAd:ClientId=0c9e5d8a|AzureAd:ClientSecret=s3cret";
    private const string Mapping = "Access:RoleMappings:0:Claim=Portal.Admins|Access:RoleMappings:0:Project=demo-shop";

    private readonly string _root = Directory.CreateTempSubdirectory("portal-host-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Development", "AzureAd:Instance=http://login.microsoftonline.com/|AzureAd:TenantId=t|AzureAd:ClientId=c|AzureAd:ClientSecret=s", "AzureAd:Instance must be an https:// URL (got \"http://login.microsoftonline.com/\")" },
        { "Development", "AzureAd:Instance=login.microsoftonline.com|AzureAd:TenantId=t|AzureAd:ClientId=c|AzureAd:ClientSecret=s", "AzureAd:Instance must be an https:// URL (got \"login.microsoftonline.com\")" },
        { "Development", "AzureAd:TenantId=t|AzureAd:ClientSecret=s", "AzureAd:ClientId is required (the app registration's Application (client) ID)" },
        { "Development", "AzureAd:TenantId=t|AzureAd:ClientId=c", "AzureAd:ClientSecret is required, or a certificate in AzureAd:ClientCredentials (the app registration's client secret or certificate)" },
        { "Production", "AzureAd:ClientId=c|AzureAd:ClientSecret=s", "AzureAd:TenantId is required (the Directory (tenant) ID, or organizations)" },
        { "Production", Entra + "|AzureAd:Authority=http://login.example/t/v2.0", "AzureAd:Authority must be an https:// URL (got \"http://login.example/t/v2.0\")" },
        { "Production", Entra + "|AzureAd:CallbackPath=signin-oidc", "AzureAd:CallbackPath must be a path on Portal starting with / (got \"signin-oidc\")" },
        { "Production", Entra + "|Oidc:Authority=https://id.example.org|Oidc:ClientId=portal", "Oidc:Authority must not be set together with the AzureAd section: Portal signs in through one provider, so remove one of them" },
        { "Production", "Oidc:Authority=http://id.example.org/realms/portal|Oidc:ClientId=portal", "Oidc:Authority must be an https:// URL (got \"http://id.example.org/realms/portal\")" },
        { "Production", "Oidc:ClientId=portal", "Oidc:Authority is required (the provider's issuer URL)" },
        { "Production", "Oidc:Authority=https://id.example.org|Oidc:ClientId=portal|Oidc:RequireHttpsMetadata=sometimes", "Oidc:RequireHttpsMetadata must be true or false (got \"sometimes\")" },
        { "Production", "Oidc:Authority=https://id.example.org|Oidc:ClientId=portal|Oidc:UserIdClaim= ", "Oidc:UserIdClaim is required (the claim holding a stable user id, e.g. sub)" },
        { "Production", "", PortalIdentityExtensions.NoProviderMessage.TrimEnd('.') },
        { "Development", Mapping + "|Access:RoleMappings:0:ProjectRole=Owner", "Access:RoleMappings:0:ProjectRole must be Viewer or Admin (got \"Owner\")" },
        { "Development", "Access:RoleMappings:0:Project=demo-shop|Access:RoleMappings:0:ProjectRole=Admin", "Access:RoleMappings:0:Claim is required (an app role value, group id or role name from the token)" },
        { "Development", "Access:RoleMappings:0:Claim=g|Access:RoleMappings:0:ProjectRole=Admin", "Access:RoleMappings:0:Project must be a project id: lowercase letters, digits and '-' (got \"\")" },
        { "Development", Mapping + "|Access:RoleMappings:0:EnvironmentType=Staging", "Access:RoleMappings:0 must set either ProjectRole, or EnvironmentType and Role" },
        { "Development", Mapping + "|Access:RoleMappings:0:ProjectRole=Admin|Access:RoleMappings:0:EnvironmentType=Staging|Access:RoleMappings:0:Role=Admin", "Access:RoleMappings:0 must set either ProjectRole, or EnvironmentType and Role" },
        { "Development", "Database:Provider=MySql", "Database:Provider must be Sqlite or PostgreSQL (got \"MySql\")" },
        { "Development", "Database:Provider=7", "Database:Provider must be Sqlite or PostgreSQL (got 7)" },
        { "Development", "Database:Provider=PostgreSQL", "Database:ConnectionString is required (when Database:Provider is PostgreSQL, e.g. Host=db;Database=portal;Username=portal;Password=…)" },
        { "Development", "Database:Provider=PostgreSQL|Database:ConnectionString=Database=portal;Password=hunter2", "Database:ConnectionString must name the PostgreSQL server (Host=…)" },
        { "Development", "Database:Provider=PostgreSQL|Database:ConnectionString=Hots=db;Password=hunter2", "Database:ConnectionString cannot be read: Couldn't set hots (Parameter 'hots')" },
        { "Development", "Database:ConnectionString=Data Source={missing}/portal.db", "Database:ConnectionString names an SQLite database in a folder that does not exist ({missing})" },
        { "Development", "Portal:DataPath={file}/data", "Portal:DataPath cannot be created: {file} is a file (got \"{file}/data\")" },
        { "Development", "Engine:StorePath={file}", "Engine:StorePath must be a folder, not a file (got \"{file}\")" },
        { "Development", "Engine:CompressionLevel=25", "Engine:CompressionLevel must be between 1 and 19 (got 25)" },
        { "Development", "Engine:CompressionLevel=fast", "Engine:CompressionLevel must be a whole number (got \"fast\")" },
        { "Development", "Engine:ChunkSizeBytes=10", "Engine:ChunkSizeBytes must be between 4096 and 1073741824 (got 10)" },
        { "Development", "Engine:MySqlMethod=Fast", "Engine:MySqlMethod must be Auto or Logical (got \"Fast\")" },
        { "Development", "Engine:ToolDirectory={missing}", "Engine:ToolDirectory must be an existing folder (got \"{missing}\")" },
        { "Development", "Snapshots:RetentionDays=0", "Snapshots:RetentionDays must be between 1 and 365 (got 0)" },
        { "Development", "Activities:MaxParallelEnvironments=0", "Activities:MaxParallelEnvironments must be between 1 and 64 (got 0)" },
        { "Development", "Portal:Demo:MediaFiles=-1", "Portal:Demo:MediaFiles must be between 0 and 100000 (got -1)" },
        { "Development", "Projects:0:Id=shop|Projects:0:Environments:0:Name=master|Projects:0:Environments:0:Type=Prod", "Projects:0:Environments:0:Type must be Production or Staging or Development (got \"Prod\")" },
        { "Development", "Projects:0:Id=shop|Projects:0:Environments:0:Name=master|Projects:0:Environments:0:Services:0:Name=db|Projects:0:Environments:0:Services:0:Kind=Oracle", "Projects:0:Environments:0:Services:0:Kind must be Mount or Sqlite or MySql or PostgreSql or Redis (got \"Oracle\")" },
        { "Development", "Background:ExpirySweepInterval=00:00:00", "Background:ExpirySweepInterval must be between 00:00:01 and 1.00:00:00 (got 00:00:00)" },
        { "Development", "Snapshots:VerifyEvery=00:00:10", "Snapshots:VerifyEvery must be between 00:01:00 and 365.00:00:00 (got 00:00:10)" },
        { "Development", "Background:VerifySweepInterval=2.00:00:00", "Background:VerifySweepInterval must be between 00:00:01 and 1.00:00:00 (got 2.00:00:00)" },
        { "Development", "Background:ServiceCheckInterval=often", "Background:ServiceCheckInterval must be a TimeSpan (got \"often\")" },
        { "Development", "Telemetry:OtlpEndpoint=otel-collector:4317", "Telemetry:OtlpEndpoint must be an absolute http:// or https:// address of an OTLP collector (got \"otel-collector:4317\")" },
        { "Development", "Proxy:TrustedNetworks:0=the balancer", "Proxy:TrustedNetworks:0 must be a network in CIDR form such as 10.89.0.0/24 (got \"the balancer\")" },
        { "Development", "RateLimiting:PermitsPerMinute=0", "RateLimiting:PermitsPerMinute must be between 1 and 1000000 (got 0)" },
        { "Development", "RateLimiting:AnonymousPermitsPerMinute=lots", "RateLimiting:AnonymousPermitsPerMinute must be a whole number (got \"lots\")" },
        { "Development", "Snapshots:RetentionDays=0|Engine:CompressionLevel=0", "Snapshots:RetentionDays must be between 1 and 365 (got 0); Engine:CompressionLevel must be between 1 and 19 (got 0)" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task ABadSettingStopsTheStartWithOneLineNamingItAndExitCode1(string environment, string settings, string expected)
    {
        using var stderr = new StringWriter();
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        giveUp.CancelAfter(TimeSpan.FromSeconds(60)); // a setting nothing refused would start Portal: stop it and fail below

        var exitCode = await PortalHost.RunAsync([.. Arguments(environment, settings)], stderr, giveUp.Token);

        Assert.Equal(1, exitCode);
        Assert.Equal(PortalHost.RefusalPrefix + Fill(expected) + Environment.NewLine, stderr.ToString());
    }

    [Fact]
    public async Task TheRealPortalRefusesAnHttpEntraInstanceWithOneLineOnStderrAndExitCode1()
    {
        await using var portal = new PortalProcess(Path.Combine(_root, "data"));
        portal.Settings["AzureAd:Instance"] = "http://login.microsoftonline.com/";
        portal.Settings["AzureAd:TenantId"] = "contoso.example";
        portal.Settings["AzureAd:ClientId"] = "0c9e5d8a";
        portal.Settings["AzureAd:ClientSecret"] = "s3cret";

        var exitCode = await portal.StartExpectingExitAsync(TestContext.Current.CancellationToken);

        AssertRefused(portal, exitCode, "AzureAd:Instance must be an https:// URL (got \"http://login.microsoftonline.com/\")");
    }

    [Fact]
    public async Task TheRealPortalRefusesProductionWithoutAnIdentityProviderWithOneLineAndExitCode1()
    {
        await using var portal = new PortalProcess(Path.Combine(_root, "data"));
        portal.EnvironmentVariables["ASPNETCORE_ENVIRONMENT"] = "Production";

        var exitCode = await portal.StartExpectingExitAsync(TestContext.Current.CancellationToken);

        AssertRefused(portal, exitCode, PortalIdentityExtensions.NoProviderMessage.TrimEnd('.'));
    }

    [Fact]
    public async Task TheRealPortalRefusesAStoreThatIsAFileAndPostgreSqlWithoutAConnectionStringNamingBoth()
    {
        await using var portal = new PortalProcess(Path.Combine(_root, "data"));
        portal.Settings["Engine:StorePath"] = Fill("{file}");
        portal.Settings["Database:Provider"] = "PostgreSQL";

        var exitCode = await portal.StartExpectingExitAsync(TestContext.Current.CancellationToken);

        AssertRefused(portal, exitCode, "Database:ConnectionString is required (when Database:Provider is PostgreSQL, e.g. Host=db;Database=portal;Username=portal;Password=…); "
            + Fill("Engine:StorePath must be a folder, not a file (got \"{file}\")"));
    }

    private static void AssertRefused(PortalProcess portal, int exitCode, string expected)
    {
        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{portal.Output}");
        Assert.Equal(PortalHost.RefusalPrefix + expected + "\n", portal.StandardError);
        Assert.DoesNotContain("   at ", portal.Output, StringComparison.Ordinal); // no stack trace, on stdout either
    }

    private IEnumerable<string> Arguments(string environment, string settings)
    {
        yield return $"--environment={environment}";
        yield return "--urls=http://127.0.0.1:0";
        yield return $"--Portal:DataPath={Path.Combine(_root, "data")}";
        foreach (var pair in settings.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            yield return "--" + Fill(pair);
        }
    }

    /// <summary>{file} is an existing file, {missing} a folder that does not exist.</summary>
    private string Fill(string text)
    {
        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "not a folder");
        return text.Replace("{file}", file, StringComparison.Ordinal).Replace("{missing}", Path.Combine(_root, "missing"), StringComparison.Ordinal);
    }
}
