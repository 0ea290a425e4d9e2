namespace Portal.Engine;

/// <summary>Checks a configured folder (data folder, snapshot store) at start, before anything is written into it.</summary>
public static class LocalFolder
{
    /// <summary>Null when the folder exists and is writable, or can be created; else why not, e.g. "must be a folder, not a file (got …)".</summary>
    public static string? Problem(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (ArgumentException)
        {
            return $"must be a folder path (got \"{path}\")";
        }

        if (File.Exists(full))
        {
            return $"must be a folder, not a file (got \"{path}\")";
        }

        // The nearest folder that exists decides: Portal writes into it, or creates what is missing under it.
        var existing = full;
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return $"cannot be created (got \"{path}\")";
            }

            if (File.Exists(parent))
            {
                return $"cannot be created: {parent} is a file (got \"{path}\")";
            }

            existing = parent;
        }

        return Posix.CanWriteInto(existing)
            ? null
            : $"is not writable by Portal's user ({Environment.UserName}): {existing} (got \"{path}\")";
    }
}
