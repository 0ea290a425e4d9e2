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

/// <summary>The branch checked out in a git work tree, read from its HEAD (a linked worktree's <c>.git</c> is a file naming its git folder).</summary>
internal static class GitBranch
{
    /// <summary>The branch of the work tree holding <paramref name="folder"/>; null outside one; an error on a detached HEAD.</summary>
    public static string? Find(string folder)
    {
        for (var current = new DirectoryInfo(folder); current is not null; current = current.Parent)
        {
            var dotGit = Path.Combine(current.FullName, ".git");
            if (Directory.Exists(dotGit))
            {
                return FromHead(Path.Combine(dotGit, "HEAD"));
            }

            if (File.Exists(dotGit))
            {
                return FromHead(Path.Combine(GitDirOf(dotGit, current.FullName), "HEAD"));
            }
        }

        return null;
    }

    private static string GitDirOf(string dotGitFile, string workTree)
    {
        var line = File.ReadLines(dotGitFile).FirstOrDefault() ?? "";
        const string Prefix = "gitdir:";
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.Usage, $"{dotGitFile} does not name a git folder (no 'gitdir:' line).");
        }

        return Path.GetFullPath(line[Prefix.Length..].Trim(), workTree);
    }

    private static string FromHead(string head)
    {
        var text = File.Exists(head) ? File.ReadAllText(head).Trim() : "";
        const string Prefix = "ref: refs/heads/";
        if (text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return text[Prefix.Length..];
        }

        throw new CliException(ExitCodes.Usage,
            $"The git HEAD at {head} is not on a branch (detached at a commit?): check out the environment's branch or pass -e ENVIRONMENT.");
    }
}
