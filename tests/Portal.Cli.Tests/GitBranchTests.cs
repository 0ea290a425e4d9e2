namespace Portal.Cli.Tests;

using Portal.Cli.Tests.Support;

public sealed class GitBranchTests
{
    [Fact]
    public void TheEnvironmentIsTheBranchCheckedOutInTheRepositoryAboveTheCurrentFolder()
    {
        using var repository = new TempFolder();
        repository.GitRepository("develop-branch");
        var deep = Directory.CreateDirectory(repository.Combine("app", "etc")).FullName;

        Assert.Equal("develop-branch", GitBranch.Find(deep));
    }

    [Fact]
    public void ALinkedWorktreeGivesItsOwnBranchThroughItsGitFile()
    {
        using var repository = new TempFolder();
        repository.GitRepository("develop-branch");
        var worktree = repository.Combine("linked");
        repository.Git(null, "worktree", "add", "-q", "-b", "feature/media-cleanup", worktree);

        Assert.True(File.Exists(Path.Combine(worktree, ".git")), "a linked worktree's .git is a file");
        Assert.Equal("feature/media-cleanup", GitBranch.Find(worktree));
        Assert.Equal("develop-branch", GitBranch.Find(repository.Path));
    }

    [Fact]
    public void ADetachedHeadIsAnErrorThatSaysToPassTheEnvironment()
    {
        using var repository = new TempFolder();
        repository.GitRepository("develop-branch");
        repository.Git(null, "checkout", "-q", "--detach");

        var error = Assert.Throws<CliException>(() => GitBranch.Find(repository.Path));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("pass -e ENVIRONMENT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutsideAnyRepositoryThereIsNoBranch()
    {
        using var folder = new TempFolder();

        Assert.Null(GitBranch.Find(folder.Path));
    }
}
