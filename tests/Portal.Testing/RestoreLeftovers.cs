namespace Portal.Testing;

/// <summary>Folders a restore leaves beside a mount: the tree it swapped out is deleted in the background after the restore ends.</summary>
public static class RestoreLeftovers
{
    /// <summary>What still matches <paramref name="pattern"/> in <paramref name="folder"/> once background removal had three minutes to finish (it runs at nice 19, so a loaded machine slows it).</summary>
    public static async Task<List<string>> AfterBackgroundRemovalAsync(string folder, string pattern)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var found = Directory.EnumerateFileSystemEntries(folder, pattern).ToList();
            if (found.Count == 0 || DateTime.UtcNow > deadline)
            {
                return found;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
