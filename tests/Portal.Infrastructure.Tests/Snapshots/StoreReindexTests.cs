namespace Portal.Infrastructure.Tests.Snapshots;

using Activity = Portal.Core.Activities.Activity;
using Process = System.Diagnostics.Process;
using ProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Activities;
using Portal.Core.Common;
using Portal.Core.Environments;
using Portal.Core.Snapshots;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Snapshots;
using Portal.Infrastructure.Tests.Support;

/// <summary>
/// Issue #15 item 3, the store outlives Portal: snapshots taken by one Portal (real files, the real engine) are found by a
/// brand-new Portal — a fresh metadata database — given the same declarations and the same store, from their manifests alone,
/// and restore byte for byte; through the service on both providers, and through the command-line verb and the start-up
/// setting of the real Portal process.
/// </summary>
public sealed class StoreReindexTests
{
    private static readonly Actor Dana = new(DeclaredShop.Admin, "Dana");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ANewPortalWithTheSameDeclarationsAndStoreFindsTheSnapshotsOnceSkipsWhatItCannotPlaceAndRestoresOne(string provider)
    {
        using var shop = new DeclaredShop();
        var master = shop.Environment("master");
        var feature = shop.Environment("feature", "master");
        var gone = shop.Environment("gone", "master");
        var mastered = DirectoryState.Capture(master.Services[0].Location);
        Snapshot[] taken;
        await using (var oldDatabase = await TestDatabase.CreateAsync(provider))
        await using (var old = await PortalTestHost.StartAsync(oldDatabase, dataPath: shop.DataPath, settings: DeclaredShop.Settings(shop.Project(master, feature, gone))))
        {
            await old.StartWorkerAsync();
            taken = [await TakeAsync(old, "master", live: false), await TakeAsync(old, "feature", live: true, scheduled: true), await TakeAsync(old, "gone", live: false)];
            // The pin is kept in the store beside the manifest; the unpinned one leaves nothing behind.
            await old.InScopeAsync<SnapshotService, Snapshot>(s => s.PinAsync(Dana, "shop", "master", taken[0].Id, "kept for the audit", Cancel));
            await old.InScopeAsync<SnapshotService, Snapshot>(s => s.PinAsync(Dana, "shop", "feature", taken[1].Id, "only for a while", Cancel));
            await old.InScopeAsync<SnapshotService, Snapshot>(s => s.UnpinAsync(Dana, "shop", "feature", taken[1].Id, Cancel));
        }

        var store = Path.Combine(shop.DataPath, "snapshots");
        WriteUnlabelledCopy(store, taken[0].Id, "unlabelled1");

        await using var newDatabase = await TestDatabase.CreateAsync(provider);
        await using var host = await PortalTestHost.StartAsync(newDatabase, settings: NewHost(store, shop.Project(master, feature)));
        var report = await host.Get<StoreReindex>().RunAsync(Cancel);

        Assert.Equal(4, report.Manifests);
        Assert.Equal([taken[0].Id, taken[1].Id], report.Added);
        Assert.Equal(0, report.AlreadyKnown);
        Assert.Equal(
            new[] { $"{taken[2].Id}: project 'shop' has no environment 'gone'", "unlabelled1: its manifest has no label (written before Portal recorded one), so its project and environment are unknown" }
                .Order(StringComparer.Ordinal),
            report.Skipped.Select(s => $"{s.SnapshotId}: {s.Reason}").Order(StringComparer.Ordinal));
        Assert.StartsWith("Reindex: 4 manifests, 2 added, 0 already known, 2 skipped: ", report.Summary, StringComparison.Ordinal);

        var environments = await MetadataInventory.RowIdsAsync(newDatabase, host.DataPath);
        await using (var db = MetadataInventory.Open(newDatabase, host.DataPath))
        {
            foreach (var before in taken[..2])
            {
                var found = await db.Snapshots.AsNoTracking().SingleAsync(s => s.Id == before.Id, Cancel);
                Assert.Equal(environments[$"shop/{before.EnvironmentName}"], found.EnvironmentId);
                Assert.Equal(
                    (before.ProjectId, before.EnvironmentName, SnapshotStatus.Created, before.Safe, before.IsSafetySnapshot, before.CreatedBy, before.Automated),
                    (found.ProjectId, found.EnvironmentName, found.Status, found.Safe, found.IsSafetySnapshot, found.CreatedBy, found.Automated));
                Assert.Equal((before.CreatedAt, before.ExpiresAt), (found.CreatedAt, found.ExpiresAt));
                Assert.Equal(before.Id == taken[0].Id ? ("kept for the audit", DeclaredShop.Admin, true) : (null, null, false),
                    (found.PinReason, found.PinnedBy, found.IsPinned));
                Assert.Equal((before.SizeOfVolumes, before.SizeOfDatabases, before.SizeStored), (found.SizeOfVolumes, found.SizeOfDatabases, found.SizeStored));
                Assert.InRange(found.CompletedAt!.Value, before.CreatedAt, before.CompletedAt!.Value);

                var entry = await db.Activities.AsNoTracking().SingleAsync(a => a.Id == found.ActivityId, Cancel);
                Assert.Equal((ActivityTypes.Snapshot, before.Id, ActivityState.Complete, ActivityResult.Success, Actor.System.UserId, found.EnvironmentId),
                    (entry.Type, entry.SnapshotId, entry.State, entry.Result, entry.InitiatedBy, entry.EnvironmentId));
                Assert.Equal(before.CreatedAt, entry.CreatedAt);
                Assert.Equal($"Portal found {(before.Safe ? "snapshot" : "live snapshot")} {before.Id} of {before.EnvironmentName} in the store, taken by {before.CreatedBy}", entry.Text);
            }
        }

        var listed = await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(Dana, "shop", "master", Cancel));
        Assert.True(Assert.Single(listed).Restorable);

        var again = await host.Get<StoreReindex>().RunAsync(Cancel);
        Assert.Equal((4, 0, 2, 2), (again.Manifests, again.Added.Count, again.AlreadyKnown, again.Skipped.Count));

        // Restored byte for byte into the new Portal's environment, whose database key the manifest never knew.
        var media = master.Services[0].Location;
        await File.WriteAllTextAsync(Path.Combine(media, "kept.txt"), "changed after the move", Cancel);
        File.Delete(Path.Combine(master.Services[1].Location, "kept.txt"));
        await host.StartWorkerAsync();
        var restore = await host.InScopeAsync<SnapshotService, Activity>(s => s.RestoreAsync(Dana, "shop", "master", taken[0].Id, new RestoreOptions(), Cancel));
        var restored = await host.WaitForCompletionAsync(restore.Id);
        Assert.True(restored.Result == ActivityResult.Success, restored.Log);
        Assert.Equal(mastered, DirectoryState.Capture(media));
        Assert.Equal("master var", await File.ReadAllTextAsync(Path.Combine(master.Services[1].Location, "kept.txt"), Cancel));
    }

    [Fact]
    public async Task AReindexedSnapshotPastItsWindowIsListedButNotRestorable()
    {
        using var shop = new DeclaredShop();
        var master = shop.Environment("master");
        var id = await TakenByAnOldPortalAsync(shop, master);

        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(8));
        await using var host = await PortalTestHost.StartAsync(time: later, settings: NewHost(Path.Combine(shop.DataPath, "snapshots"), shop.Project(master)));
        Assert.Equal([id], (await host.Get<StoreReindex>().RunAsync(Cancel)).Added);

        var listed = Assert.Single(await host.InScopeAsync<SnapshotService, IReadOnlyList<SnapshotView>>(s => s.ListAsync(Dana, "shop", "master", Cancel)));
        Assert.Equal(RefusalCode.SnapshotExpired, listed.NotRestorable?.Code);
    }

    [Fact]
    public async Task TheCommandLineVerbAndTheStartUpSettingOfTheRealPortalSayWhatTheyFound()
    {
        using var shop = new DeclaredShop();
        var master = shop.Environment("master");
        var id = await TakenByAnOldPortalAsync(shop, master);

        var store = Path.Combine(shop.DataPath, "snapshots");
        using var newData = new TempFolder();
        var settings = NewHost(store, shop.Project(master));

        var first = await RunVerbAsync(newData.Path, settings, "store", "reindex");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("Reindex: 1 manifests, 1 added, 0 already known, 0 skipped", first.Output, StringComparison.Ordinal);
        var second = await RunVerbAsync(newData.Path, settings, "store", "reindex");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("Reindex: 1 manifests, 0 added, 1 already known, 0 skipped", second.Output, StringComparison.Ordinal);

        using var elsewhere = new TempFolder();
        var unknown = await RunVerbAsync(elsewhere.Path, NewHost(store, shop.Project(shop.Environment("staging"))), "store", "reindex");
        Assert.True(unknown.ExitCode == 3, unknown.Output);
        Assert.Contains($"Reindex: 1 manifests, 0 added, 0 already known, 1 skipped: {id} (project 'shop' has no environment 'master')", unknown.Output, StringComparison.Ordinal);
        Assert.Equal(2, (await RunVerbAsync(elsewhere.Path, settings, "store", "rebuild")).ExitCode);

        using var started = new TempFolder();
        await using var portal = new PortalProcess(started.Path);
        foreach (var (key, value) in NewHost(store, shop.Project(master)))
        {
            portal.Settings[key] = value;
        }

        portal.Settings["Snapshots:ReindexOnStart"] = "true";
        await portal.StartAsync(Cancel);
        Assert.Contains("Reindex: 1 manifests, 1 added, 0 already known, 0 skipped", portal.Output, StringComparison.Ordinal);
        using var dana = await portal.SignedInClientAsync(DeclaredShop.Admin, Cancel);
        var snapshots = await dana.GetFromJsonAsync<JsonElement>(new Uri("api/projects/shop/environments/master/snapshots", UriKind.Relative), Cancel);
        Assert.Equal(id, Assert.Single(snapshots.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(0, await portal.StopAsync(Cancel));
    }

    /// <summary>A safe snapshot of master taken by a Portal on SQLite in the shop's data folder, stopped afterwards; its id.</summary>
    private static async Task<string> TakenByAnOldPortalAsync(DeclaredShop shop, EnvironmentDefinition master)
    {
        await using var old = await PortalTestHost.StartAsync(dataPath: shop.DataPath, settings: DeclaredShop.Settings(shop.Project(master)));
        await old.StartWorkerAsync();
        return (await TakeAsync(old, "master", live: false)).Id;
    }

    /// <summary>A safe or live snapshot through the application layer as the declared admin, run by the host's worker; its row once created.</summary>
    private static async Task<Snapshot> TakeAsync(PortalTestHost host, string environment, bool live, bool scheduled = false)
    {
        var activity = await host.InScopeAsync<SnapshotService, Activity>(s =>
            scheduled ? s.CreateScheduledAsync("shop", environment, live, Cancel) : s.CreateAsync(Dana, "shop", environment, live, Cancel));
        var done = await host.WaitForCompletionAsync(activity.Id);
        Assert.True(done.Result == ActivityResult.Success, done.Log);
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Cancel);
        return await db.Snapshots.AsNoTracking().SingleAsync(s => s.Id == activity.SnapshotId, Cancel);
    }

    /// <summary>A manifest as the engine wrote it before labels: the same snapshot's, without its label, under another id.</summary>
    private static void WriteUnlabelledCopy(string store, string id, string copy)
    {
        var manifest = JsonNode.Parse(File.ReadAllBytes(Path.Combine(store, "manifests", id + ".json")))!.AsObject();
        Assert.True(manifest.Remove("label"));
        manifest["snapshotId"] = copy;
        File.WriteAllText(Path.Combine(store, "manifests", copy + ".json"), manifest.ToJsonString());
    }

    /// <summary>A new host's settings: the same declarations and the old store, no demo.</summary>
    private static Dictionary<string, string?> NewHost(string store, ProjectDefinition declared) =>
        new(DeclaredShop.Settings(declared)) { ["Engine:StorePath"] = store };

    /// <summary>The built Portal.Web run with a verb first, as an operator would, and its exit code and output.</summary>
    private static async Task<(int ExitCode, string Output)> RunVerbAsync(string dataPath, Dictionary<string, string?> settings, params string[] verb)
    {
        var web = RepositoryPaths.Of("src", "Portal.Web");
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = web,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(web, "bin", output.Parent!.Name, output.Name, "Portal.Web.dll"));
        foreach (var word in verb)
        {
            start.ArgumentList.Add(word);
        }

        start.ArgumentList.Add($"--Portal:DataPath={dataPath}");
        foreach (var (key, value) in settings.Where(s => s.Value is not null))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Cancel);
        var stderr = process.StandardError.ReadToEndAsync(Cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("portal-reindex-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
