namespace Portal.Infrastructure.Tests.Alerts;

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Activities;
using Portal.Core.Alerts;
using Portal.Core.Common;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Alerts;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tests.Support;
using Activity = Portal.Core.Activities.Activity;

/// <summary>
/// Issue #16 item 5: a failed activity raises an alert that the project's webhook receives signed with HMAC-SHA256 of the body;
/// a receiver that fails twice gets it on the third try, and the delivery's outcome is kept for the project's admins.
/// </summary>
public sealed class WebhookAlertTests
{
    private const string Secret = "a-receiver-secret-of-some-length";
    private static readonly Actor Dana = new(DeclaredShop.Admin, "Dana");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AFailedSnapshotIsSentSignedToTheWebhookWhichGetsItOnTheThirdTryAfterFailingTwice(string provider)
    {
        using var receiver = new Receiver(failFirst: 2);
        using var shop = new DeclaredShop();
        var (master, settings) = WithWebhook(shop, receiver);
        settings["Alerts:InitialDelay"] = "00:00:00.050";
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, dataPath: shop.DataPath, settings: settings);
        await host.StartWorkerAsync();

        // The shop's media folder is gone, so its snapshot fails for real.
        Directory.Delete(master.Services[0].Location, recursive: true);
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(Dana, "shop", "master", false, Cancel));
        var failed = await host.WaitForCompletionAsync(snapshot.Id);
        Assert.Equal(ActivityResult.Failure, failed.Result);

        var dispatcher = host.Get<IEnumerable<IHostedService>>().OfType<AlertDispatcher>().Single();
        var raiser = host.Get<AlertRaiser>();
        Assert.Equal(1, await raiser.RaiseAsync(Cancel));
        Assert.Equal(0, await raiser.RaiseAsync(Cancel));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Received.Count < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the receiver got {receiver.Received.Count} tries");
            await dispatcher.SendDueAsync(Cancel);
            await Task.Delay(20, Cancel);
        }

        // Three tries of the same bytes, each signed with the secret, and nothing after the one that was taken.
        Assert.Equal(3, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Body).Distinct());
        foreach (var (body, signature, @event) in receiver.Received)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));
            Assert.Equal(expected, signature);
            Assert.Equal("activity.failed", @event);
        }

        var payload = JsonDocument.Parse(receiver.Received[0].Body).RootElement;
        Assert.Equal(("activity.failed", "shop", "master"), (payload.GetProperty("event").GetString(), payload.GetProperty("project").GetString(), payload.GetProperty("environment").GetString()));
        var activity = payload.GetProperty("activity");
        Assert.Equal((snapshot.Id, ActivityTypes.Snapshot, "failure"), (activity.GetProperty("id").GetString(), activity.GetProperty("type").GetString(), activity.GetProperty("result").GetString()));
        Assert.Equal(failed.Reason, activity.GetProperty("reason").GetString());
        Assert.Equal($"The snapshot of master ({failed.Text}) failed: {failed.Reason}", payload.GetProperty("alert").GetProperty("message").GetString());

        Assert.Equal(0, await dispatcher.SendDueAsync(Cancel));
        var delivery = Assert.Single(await host.InScopeAsync<AlertService, IReadOnlyList<AlertDelivery>>(s => s.ListDeliveriesAsync(Dana, "shop", Cancel)));
        Assert.Equal((DeliveryStatus.Delivered, 3, 200, null), (delivery.Status, delivery.Attempts, delivery.LastStatusCode, delivery.LastError));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AFailedTryIsNotRepeatedBeforeItsRetryDelayHasPassed(string provider)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        using var receiver = new Receiver(failFirst: 1);
        using var shop = new DeclaredShop();
        var (master, settings) = WithWebhook(shop, receiver);
        settings["Alerts:InitialDelay"] = "00:01:00";
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(database, time, dataPath: shop.DataPath, settings: settings);
        await host.StartWorkerAsync();
        Directory.Delete(master.Services[0].Location, recursive: true);
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(Dana, "shop", "master", false, Cancel));
        Assert.Equal(ActivityResult.Failure, (await host.WaitForCompletionAsync(snapshot.Id)).Result);
        var dispatcher = host.Get<IEnumerable<IHostedService>>().OfType<AlertDispatcher>().Single();
        Assert.Equal(1, await host.Get<AlertRaiser>().RaiseAsync(Cancel));

        Assert.Equal(1, await dispatcher.SendDueAsync(Cancel));
        Assert.Equal(0, await dispatcher.SendDueAsync(Cancel));
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await dispatcher.SendDueAsync(Cancel));
        Assert.Single(receiver.Received);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await dispatcher.SendDueAsync(Cancel));
        Assert.Equal(2, receiver.Received.Count);
        var delivery = Assert.Single(await host.InScopeAsync<AlertService, IReadOnlyList<AlertDelivery>>(s => s.ListDeliveriesAsync(Dana, "shop", Cancel)));
        Assert.Equal((DeliveryStatus.Delivered, 2), (delivery.Status, delivery.Attempts));
    }

    [Fact]
    public async Task AReceiverThatNeverTakesItEndsFailedWithTheLastAnswerAfterTheAllowedTries()
    {
        using var receiver = new Receiver(failFirst: int.MaxValue);
        using var shop = new DeclaredShop();
        var (master, settings) = WithWebhook(shop, receiver);
        settings["Alerts:InitialDelay"] = "00:00:00.020";
        settings["Alerts:MaxAttempts"] = "3";
        await using var host = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: settings);
        await host.StartWorkerAsync();
        Directory.Delete(master.Services[0].Location, recursive: true);
        var snapshot = await host.InScopeAsync<SnapshotService, Activity>(s => s.CreateAsync(Dana, "shop", "master", false, Cancel));
        await host.WaitForCompletionAsync(snapshot.Id);

        var dispatcher = host.Get<IEnumerable<IHostedService>>().OfType<AlertDispatcher>().Single();
        var raiser = host.Get<AlertRaiser>();
        await raiser.RaiseAsync(Cancel);
        AlertDelivery delivery;
        do
        {
            await dispatcher.SendDueAsync(Cancel);
            await Task.Delay(20, Cancel);
            delivery = Assert.Single(await host.InScopeAsync<AlertService, IReadOnlyList<AlertDelivery>>(s => s.ListDeliveriesAsync(Dana, "shop", Cancel)));
        }
        while (delivery.Status == DeliveryStatus.Pending);

        Assert.Equal((DeliveryStatus.Failed, 3, 500, "the receiver answered 500 Internal Server Error"), (delivery.Status, delivery.Attempts, delivery.LastStatusCode, delivery.LastError));
        Assert.Equal(3, receiver.Received.Count);
        var refused = await Assert.ThrowsAsync<PortalRefusedException>(() =>
            host.InScopeAsync<AlertService, IReadOnlyList<AlertDelivery>>(s => s.ListDeliveriesAsync(PortalTestHost.Bob, "shop", Cancel)));
        Assert.Equal(RefusalCode.ProjectNotFound, refused.Refusal.Code);
    }

    /// <summary>The shop's master environment, and settings declaring it in a project whose webhook is the receiver.</summary>
    private static (EnvironmentDefinition Master, Dictionary<string, string?> Settings) WithWebhook(DeclaredShop shop, Receiver receiver)
    {
        var master = shop.Environment("master");
        var declared = shop.Project(master);
        declared.Webhooks = [new WebhookDefinition { Url = receiver.Url, Secret = Secret }];
        return (master, DeclaredShop.Settings(declared));
    }

    /// <summary>A real HTTP receiver on loopback that answers 500 to its first tries and 200 after.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly int _failFirst;
        private readonly List<(string Body, string? Signature, string? Event)> _received = [];

        public Receiver(int failFirst)
        {
            _failFirst = failFirst;
            Url = $"http://127.0.0.1:{Loopback.FreePort()}/hooks/portal/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public IReadOnlyList<(string Body, string? Signature, string? Event)> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                int tries;
                lock (_received)
                {
                    _received.Add((body, context.Request.Headers["X-Portal-Signature-256"], context.Request.Headers["X-Portal-Event"]));
                    tries = _received.Count;
                }

                context.Response.StatusCode = tries <= _failFirst ? 500 : 200;
                context.Response.Close();
            }
        }
    }
}
