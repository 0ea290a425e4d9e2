namespace Portal.Cli.Tests;

using System.Net;

public sealed class ExitCodesTests
{
    [Theory]
    [InlineData(HttpStatusCode.Forbidden, ExitCodes.Refused)]
    [InlineData(HttpStatusCode.Conflict, ExitCodes.Refused)]
    [InlineData(HttpStatusCode.BadRequest, ExitCodes.Refused)]
    [InlineData(HttpStatusCode.NotFound, ExitCodes.NotFound)]
    [InlineData(HttpStatusCode.Unauthorized, ExitCodes.NotSignedIn)]
    [InlineData(HttpStatusCode.InternalServerError, ExitCodes.Error)]
    public void EachKindOfAnswerHasItsExitCode(HttpStatusCode status, int expected) => Assert.Equal(expected, ExitCodes.ForStatus(status));

    [Fact]
    public void EveryOutcomeHasADistinctCodeAndTheHelpNamesEachOne()
    {
        int[] codes = [ExitCodes.Success, ExitCodes.Error, ExitCodes.Usage, ExitCodes.Refused, ExitCodes.NotFound, ExitCodes.ActivityFailed, ExitCodes.Unreachable, ExitCodes.NotSignedIn];

        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Contains($"{code} ", ExitCodes.Summary, StringComparison.Ordinal));
    }
}
