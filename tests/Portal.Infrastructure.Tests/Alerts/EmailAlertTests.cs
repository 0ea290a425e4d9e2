namespace Portal.Infrastructure.Tests.Alerts;

using System.Globalization;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;

/// <summary>Issue #16 item 5, e-mail: settings that could never send are refused at start, naming the setting and never showing the password.</summary>
public sealed class EmailAlertTests
{
    private const string From = "portal@shop.example";
    private const string Password = "a-password-nobody-may-see";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Alerts:Smtp:From", "the portal", "Alerts:Smtp:From must be an e-mail address such as portal@shop.example (got \"the portal\")" },
        { "Alerts:Smtp:From", "", "Alerts:Smtp:From is required (the sender of alert e-mail, e.g. Portal <portal@shop.example>, once Alerts:Smtp:Host is set)" },
        { "Alerts:Smtp:Port", "0", "Alerts:Smtp:Port must be between 1 and 65535 (got 0)" },
        { "Alerts:Smtp:Host", "smtp://mail.shop.example:587", "Alerts:Smtp:Host must be a host name or IP address, without scheme or port (got \"smtp://mail.shop.example:587\")" },
        { "Alerts:Smtp:Security", "7", "Alerts:Smtp:Security must be None or Auto or SslOnConnect or StartTls or StartTlsWhenAvailable (got 7)" },
        { "Alerts:Smtp:UserName", "", "Alerts:Smtp:Password is set but Alerts:Smtp:UserName is not: set the user name to sign in, or remove the password" },
        { "Projects:0:AlertEmails:0", "ops at shop.example", "Projects:0:AlertEmails:0 must be one e-mail address such as ops@shop.example, of at most 256 characters (got 'ops at shop.example')." },
        { "Projects:0:AlertEmails:0", "ops", "Projects:0:AlertEmails:0 must be one e-mail address such as ops@shop.example, of at most 256 characters (got 'ops')." },
        { "Projects:0:AlertEmails:0", "ops@shop.example, dev@shop.example", "Projects:0:AlertEmails:0 must be one e-mail address such as ops@shop.example, of at most 256 characters (got 'ops@shop.example, dev@shop.example')." },
        { "Projects:0:AlertEmails:1", "Ops <OPS@shop.example>", "Projects:0:AlertEmails:1 'Ops <OPS@shop.example>' is declared twice." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task ASettingThatCouldNeverSendIsRefusedAtStartNamingItAndNeverShowingThePassword(string setting, string value, string expected)
    {
        using var shop = new DeclaredShop();
        var declared = shop.Project(shop.Environment("master"));
        declared.AlertEmails = ["ops@shop.example"];
        var settings = Settings(declared, "mail.shop.example", 587);
        settings["Alerts:Smtp:UserName"] = "portal";
        settings["Alerts:Smtp:Password"] = Password;
        settings[setting] = value;
        await using var host = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: settings, initialize: false);

        // What the host runs before it starts anything (ValidateOnStart), so Portal stops with these lines instead of failing later.
        var problems = StartProblems(() => host.Get<IStartupValidator>().Validate());

        Assert.Equal([expected], problems);
        Assert.DoesNotContain(problems, p => p.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheRealPortalRefusesABadSenderAndRecipientWithOneLineNamingBothAndNotThePassword()
    {
        using var shop = new DeclaredShop();
        var declared = shop.Project(shop.Environment("master"));
        declared.AlertEmails = ["ops at shop.example"];
        await using var portal = new PortalProcess(shop.DataPath);
        foreach (var (key, value) in Settings(declared, "mail.shop.example", 587))
        {
            portal.Settings[key] = value;
        }

        portal.Settings["Alerts:Smtp:From"] = "the portal";
        portal.Settings["Alerts:Smtp:UserName"] = "portal";
        portal.EnvironmentVariables["Alerts__Smtp__Password"] = Password;

        var exitCode = await portal.StartExpectingExitAsync(Cancel);

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{portal.Output}");
        var line = Assert.Single(portal.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Portal cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains("Alerts:Smtp:From must be an e-mail address such as portal@shop.example (got \"the portal\")", line, StringComparison.Ordinal);
        Assert.Contains("Projects:0:AlertEmails:0 must be one e-mail address such as ops@shop.example", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, portal.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWellFormedSmtpSettingStartsWithoutAProblem()
    {
        using var shop = new DeclaredShop();
        var declared = shop.Project(shop.Environment("master"));
        declared.AlertEmails = ["ops@shop.example", "Dev Team <dev@shop.example>"];
        var settings = Settings(declared, "mail.shop.example", 465);
        settings["Alerts:Smtp:Security"] = "SslOnConnect";
        settings["Alerts:Smtp:From"] = "Portal <portal@shop.example>";
        await using var host = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: settings, initialize: false);

        host.Get<IStartupValidator>().Validate();
    }

    /// <summary>The shop's declaration with e-mail through the given server, sent from <see cref="From"/>; tries come quickly after each other.</summary>
    private static Dictionary<string, string?> Settings(ProjectDefinition declared, string smtpHost, int smtpPort)
    {
        var settings = DeclaredShop.Settings(declared);
        settings["Alerts:InitialDelay"] = "00:00:00.020";
        settings["Alerts:Timeout"] = "00:00:05";
        settings["Alerts:Smtp:Host"] = smtpHost;
        settings["Alerts:Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture);
        settings["Alerts:Smtp:From"] = From;
        return settings;
    }

    /// <summary>The problems Portal's start reports, one per setting, as it prints them (PortalHost.StartRefusal).</summary>
    private static List<string> StartProblems(Action validate)
    {
        try
        {
            validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
        catch (AggregateException ex)
        {
            return [.. ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)];
        }
        catch (InvalidOperationException ex) when (SettingProblems.Unconvertible(ex) is { } problem)
        {
            return [problem];
        }
    }
}
