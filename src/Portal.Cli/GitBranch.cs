namespace Portal.Cli;

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
