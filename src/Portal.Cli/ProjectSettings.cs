namespace Portal.Cli;

/// <summary>
/// Works out the project and environment a command is about when <c>-p</c> and <c>-e</c> are not given, as the seed's CLI
/// does: the project from <c>.portal/local/project.yaml</c> (<c>id: &lt;project&gt;</c>) in the current folder or one above
/// it, and the environment from the git branch checked out there.
/// </summary>
internal static class ProjectSettings
{
    public static readonly string RelativePath = Path.Combine(".portal", "local", "project.yaml");

    /// <summary>The project id from the nearest settings file, or null when there is none.</summary>
    public static string? FindProjectId(string folder)
    {
        for (var current = new DirectoryInfo(folder); current is not null; current = current.Parent)
        {
            var file = Path.Combine(current.FullName, RelativePath);
            if (File.Exists(file))
            {
                return ReadId(file) ?? throw new CliException(ExitCodes.Usage, $"{file} has no 'id: <project>' line.");
            }
        }

        return null;
    }

    /// <summary>The top-level <c>id</c> of the YAML file; a one-line read, since that is all the tool needs of it.</summary>
    public static string? ReadId(string file)
    {
        foreach (var line in File.ReadLines(file))
        {
            if (!line.StartsWith("id:", StringComparison.Ordinal))
            {
                continue;
            }

            var value = line[3..];
            var comment = value.IndexOf(" #", StringComparison.Ordinal);
            value = (comment >= 0 ? value[..comment] : value).Trim();
            if (value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            return value.Length > 0 ? value : null;
        }

        return null;
    }
}
