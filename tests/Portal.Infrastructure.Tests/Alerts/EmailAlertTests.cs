namespace Portal.Infrastructure.Tests.Alerts;

using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimeKit;
using Portal.Core.Activities;
using Portal.Core.Alerts;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Alerts;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>
/// Issue #16 item 5, e-mail: with <c>Alerts:Smtp</c> set, a failed activity reaches each of the project's <c>AlertEmails</c>
/// through a real SMTP server (aiosmtpd, which build.sh starts and which writes what it accepts into a Maildir read back here);
/// a server that cannot be reached is retried and the delivery ends failed with a plain reason; without a host no e-mail is
/// owed; and settings that could never send are refused at start, naming the setting and never showing the password.
/// </summary>
public sealed class EmailAlertTests
{
    private const string From = "portal@shop.example";
    private const string Password = "a-password-nobody-may-see";
    private static readonly Actor Dana = new(DeclaredShop.Admin, "Dana");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AFailedSnapshotReachesTheRecipientAsAPlainTextMailDeliveredOnTheFirstTry(string provider)
    {
        var (smtpHost, smtpPort) = SmtpServer();
        var recipient = NewRecipient();
        using var shop = new DeclaredShop();
        var (master, declared) = MailingShop(shop, recipient);
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, dataPath: shop.DataPath, settings: Settings(declared, smtpHost, smtpPort));
        var failed = await FailASnapshotAsync(host, master);

        Assert.Equal(1, await host.Get<AlertRaiser>().RaiseAsync(Cancel));
        var dispatcher = Dispatcher(host);
        Assert.Equal(1, await dispatcher.SendDueAsync(Cancel));
        Assert.Equal(0, await dispatcher.SendDueAsync(Cancel));

        var delivery = Assert.Single(await DeliveriesAsync(host));
        Assert.Equal((DeliveryChannel.Email, recipient, "activity.failed"), (delivery.Channel, delivery.Target, delivery.Event));
        Assert.Equal((DeliveryStatus.Delivered, 1, 250, null), (delivery.Status, delivery.Attempts, delivery.LastStatusCode, delivery.LastError));

        // What the server took, read back from its Maildir: exactly one mail for this recipient.
        var mail = Assert.Single(MailsTo(recipient));
        Assert.Equal(From, Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal(recipient, Assert.Single(mail.To.Mailboxes).Address);
        var message = $"The snapshot of master ({failed.Text}) failed: {failed.Reason}";
        Assert.Equal("[Portal] " + (message.Length <= AlertMailer.SubjectLength ? message : message[..(AlertMailer.SubjectLength - 1)] + "…"), mail.Subject);
        Assert.Equal("activity.failed", mail.Headers[AlertMailer.EventHeader]);
        Assert.Equal(delivery.Id.ToString("N"), mail.Headers[AlertMailer.DeliveryHeader]);
        Assert.Null(mail.HtmlBody);
        var body = Assert.IsType<string>(mail.TextBody);
        Assert.StartsWith(message, body, StringComparison.Ordinal);
        var fields = Fields(body);
        Assert.Equal(("shop", "master", "activity.failed"), (fields["Project"], fields["Environment"], fields["Event"]));
        Assert.Equal((failed.Id, failed.Text, "failure", failed.Reason), (fields["Activity"], fields["Text"], fields["Result"], fields["Reason"]));
        var raisedAt = DateTimeOffset.ParseExact(fields["Raised at"], "yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(raisedAt, failed.CompletedAt!.Value.AddSeconds(-1), DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task AnSmtpServerThatCannotBeReachedIsRetriedAndTheDeliveryEndsFailedWithAPlainReasonAfterTheAllowedTries()
    {
        var closedPort = Loopback.FreePort();
        using var shop = new DeclaredShop();
        var (master, declared) = MailingShop(shop, NewRecipient());
        var settings = Settings(declared, "127.0.0.1", closedPort);
        settings["Alerts:MaxAttempts"] = "3";
        settings["Alerts:Smtp:UserName"] = "portal";
        settings["Alerts:Smtp:Password"] = Password;
        await using var host = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: settings);
        await FailASnapshotAsync(host, master);
        await host.Get<AlertRaiser>().RaiseAsync(Cancel);

        var dispatcher = Dispatcher(host);
        var tries = 0;
        AlertDelivery delivery;
        do
        {
            tries += await dispatcher.SendDueAsync(Cancel);
            await Task.Delay(20, Cancel);
            delivery = Assert.Single(await DeliveriesAsync(host));
        }
        while (delivery.Status == DeliveryStatus.Pending);

        Assert.Equal((DeliveryStatus.Failed, 3, 3, null), (delivery.Status, delivery.Attempts, tries, delivery.LastStatusCode));
        Assert.StartsWith($"could not reach the SMTP server at 127.0.0.1:{closedPort}: ", delivery.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', delivery.LastError!);
        Assert.Null(delivery.DeliveredAt);
        Assert.Equal(0, await dispatcher.SendDueAsync(Cancel));
        var warning = Assert.Single(host.Warnings, w => w.Contains("could not be delivered", StringComparison.Ordinal));
        Assert.Contains(delivery.LastError!, warning, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Warnings, w => w.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task APasswordIsNeverSentToAServerThatOffersNoTlsAndTheDeliverySaysSo()
    {
        var (smtpHost, smtpPort) = SmtpServer();
        var recipient = NewRecipient();
        using var shop = new DeclaredShop();
        var (master, declared) = MailingShop(shop, recipient);
        var settings = Settings(declared, smtpHost, smtpPort);
        settings["Alerts:MaxAttempts"] = "1";
        settings["Alerts:Smtp:UserName"] = "portal";
        settings["Alerts:Smtp:Password"] = Password;
        await using var host = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: settings);
        await FailASnapshotAsync(host, master);
        await host.Get<AlertRaiser>().RaiseAsync(Cancel);

        Assert.Equal(1, await Dispatcher(host).SendDueAsync(Cancel));

        // The test server speaks plain SMTP only: Security Auto found no STARTTLS, so Portal stopped before signing in.
        var delivery = Assert.Single(await DeliveriesAsync(host));
        Assert.Equal((DeliveryStatus.Failed, 1, null), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        Assert.Equal($"the SMTP server at {smtpHost}:{smtpPort} offered no TLS, so the password was not sent (set Alerts:Smtp:Security to None to sign in without TLS)", delivery.LastError);
        Assert.Empty(MailsTo(recipient));
        Assert.DoesNotContain(host.Warnings, w => w.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutAnSmtpHostNoMailIsOwedEvenToDeclaredRecipientsWhileTheWebhookStillIs()
    {
        using var shop = new DeclaredShop();
        var (master, declared) = MailingShop(shop, NewRecipient());
        declared.Webhooks = [new WebhookDefinition { Url = "http://127.0.0.1:9/hooks/", Secret = "a-receiver-secret-of-some-length" }];
        var settings = DeclaredShop.Settings(declared);
        settings["Alerts:Smtp:From"] = From;
        await using var host = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: settings);
        await FailASnapshotAsync(host, master);

        Assert.Equal(1, await host.Get<AlertRaiser>().RaiseAsync(Cancel));

        var delivery = Assert.Single(await DeliveriesAsync(host));
        Assert.Equal((DeliveryChannel.Webhook, "http://127.0.0.1:9/hooks/"), (delivery.Channel, delivery.Target));
    }

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
        var (_, declared) = MailingShop(shop, "ops@shop.example");
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
        var (_, declared) = MailingShop(shop, "ops at shop.example");
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
        var (_, declared) = MailingShop(shop, "ops@shop.example", "Dev Team <dev@shop.example>");
        var settings = Settings(declared, "mail.shop.example", 465);
        settings["Alerts:Smtp:Security"] = "SslOnConnect";
        settings["Alerts:Smtp:From"] = "Portal <portal@shop.example>";
        await using var host = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: settings, initialize: false);

        host.Get<IStartupValidator>().Validate();
    }

    /// <summary>The shop's master environment, and its project declared with these alert recipients.</summary>
    private static (EnvironmentDefinition Master, ProjectDefinition Declared) MailingShop(DeclaredShop shop, params string[] recipients)
    {
        var master = shop.Environment("master");
        var declared = shop.Project(master);
        declared.AlertEmails = [.. recipients];
        return (master, declared);
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

    /// <summary>The shop's media folder is gone, so its snapshot fails for real; returns the failed activity.</summary>
    private static async Task<Activity> FailASnapshotAsync(PortalTestHost host, EnvironmentDefinition environment)
    {
        await host.StartWorkerAsync();
        Directory.Delete(environment.Services[0].Location, recursive: true);
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(Dana, DeclaredShop.ProjectId, environment.Name, false, Cancel));
        var failed = await host.WaitForCompletionAsync(snapshot.Id);
        Assert.Equal(ActivityResult.Failure, failed.Result);
        return failed;
    }

    private static AlertDispatcher Dispatcher(PortalTestHost host) => host.Get<IEnumerable<IHostedService>>().OfType<AlertDispatcher>().Single();

    private static Task<IReadOnlyList<AlertDelivery>> DeliveriesAsync(PortalTestHost host) =>
        host.InScopeAsync<AlertService, IReadOnlyList<AlertDelivery>>(s => s.ListDeliveriesAsync(Dana, DeclaredShop.ProjectId, Cancel));

    private static (string Host, int Port) SmtpServer()
    {
        var server = TestServers.Require(TestServers.Smtp);
        var colon = server.LastIndexOf(':');
        return (server[..colon], int.Parse(server[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>An address no other test mails, so each finds its own mail in the server's shared Maildir.</summary>
    private static string NewRecipient() => $"ops-{Guid.NewGuid():N}@shop.example";

    /// <summary>The mails the SMTP server accepted for the address (aiosmtpd writes each into the Maildir before it answers 250).</summary>
    private static List<MimeMessage> MailsTo(string recipient)
    {
        var maildir = TestServers.Require(TestServers.Maildir);
        return [.. Directory.EnumerateFiles(Path.Combine(maildir, "new")).Concat(Directory.EnumerateFiles(Path.Combine(maildir, "cur")))
            .Select(file => MimeMessage.Load(file, Cancel))
            .Where(mail => mail.To.Mailboxes.Any(m => m.Address == recipient))];
    }

    /// <summary>The body's "Label:  value" lines, first of each label.</summary>
    private static Dictionary<string, string> Fields(string body) =>
        body.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 13 && line[12] == ' ' && line.IndexOf(':', StringComparison.Ordinal) is > 0 and < 12)
            .Select(line => (Label: line[..line.IndexOf(':', StringComparison.Ordinal)], Value: line[13..].Trim()))
            .DistinctBy(f => f.Label).ToDictionary(f => f.Label, f => f.Value);

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
