namespace Portal.Core.Tests.Access.Tokens;

using Portal.Core.Access.Tokens;
using Portal.Core.Common;

public sealed class ApiTokenRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ANewSecretIsThePrefixAnd32RandomBytesInBase64UrlAndWellFormed()
    {
        var first = ApiTokenRules.NewSecret();
        var second = ApiTokenRules.NewSecret();

        Assert.StartsWith("portal_", first, StringComparison.Ordinal);
        Assert.Equal("portal_".Length + 43, first.Length);
        Assert.DoesNotContain('=', first);
        Assert.True(ApiTokenRules.IsWellFormed(first));
        Assert.NotEqual(first, second);
        Assert.Equal(64, ApiTokenRules.Hash(first).Length);
        Assert.Equal("portal_".Length + ApiTokenRules.DisplayedSecretCharacters, ApiTokenRules.DisplayPrefix(first).Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("portal_")]
    [InlineData("portal_short")]
    [InlineData("ghp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("portal_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [InlineData("portal_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void TextWithoutThePrefixOrOfTheWrongLengthOrAlphabetIsNotWellFormed(string presented) =>
        Assert.False(ApiTokenRules.IsWellFormed(presented));

    [Fact]
    public void ATokenExpiresIn90DaysByDefaultNeverWhenAskedWith0AndOtherwiseAfterTheDaysAsked()
    {
        Assert.Equal(Now.AddDays(90), ApiTokenRules.ExpiresAt(Now, null));
        Assert.Null(ApiTokenRules.ExpiresAt(Now, 0));
        Assert.Equal(Now.AddDays(7), ApiTokenRules.ExpiresAt(Now, 7));
        Assert.Equal(Now.AddDays(3650), ApiTokenRules.ExpiresAt(Now, 3650));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3651)]
    public void AnExpiryOutsideTheRangeIsRefusedSayingWhatIsAllowed(int days)
    {
        var refused = Assert.Throws<PortalRefusedException>(() => ApiTokenRules.ExpiresAt(Now, days));
        Assert.Equal(RefusalCode.InvalidInput, refused.Code);
        Assert.Equal(ApiTokenRules.ExpiryRule, refused.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    [InlineData("tab\tinside")]
    public void ANameMustBeGivenAndPrintable(string? name) =>
        Assert.Equal(RefusalCode.InvalidInput, Assert.Throws<PortalRefusedException>(() => ApiTokenRules.ValidName(name)).Code);

    [Fact]
    public void ANameIsTrimmedAndAtMost100Characters()
    {
        Assert.Equal("nightly cron", ApiTokenRules.ValidName("  nightly cron "));
        Assert.Equal(100, ApiTokenRules.ValidName(new string('n', 100)).Length);
        Assert.Throws<PortalRefusedException>(() => ApiTokenRules.ValidName(new string('n', 101)));
    }

    [Fact]
    public void ATokenCountsUntilItsExpiryAndTheRefusalSaysWhenItExpired()
    {
        var token = Token(expiresAt: Now.AddDays(1));

        Assert.Null(ApiTokenRules.Check(token, Now.AddDays(1).AddTicks(-1)));
        var expired = ApiTokenRules.Check(token, Now.AddDays(1));

        Assert.Equal(TokenRejectionKind.Expired, expired!.Kind);
        Assert.Contains("expired on 2026-12-03 09:00:00 UTC", expired.Message, StringComparison.Ordinal);
        Assert.Null(ApiTokenRules.Check(Token(expiresAt: null), Now.AddYears(20)));
    }

    [Fact]
    public void ARevokedTokenIsRefusedSayingWhenEvenBeforeItsExpiry()
    {
        var token = Token(expiresAt: Now.AddDays(90));
        token.RevokedAt = Now.AddHours(2);

        var revoked = ApiTokenRules.Check(token, Now.AddHours(3));

        Assert.Equal(TokenRejectionKind.Revoked, revoked!.Kind);
        Assert.Contains("revoked on 2026-12-02 11:00:00 UTC", revoked.Message, StringComparison.Ordinal);
        Assert.Contains("'cron'", revoked.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AUseIsRecordedAtMostOnceAMinute()
    {
        var token = Token(expiresAt: null);
        Assert.True(ApiTokenRules.ShouldRecordUse(token, Now));

        token.LastUsedAt = Now;
        Assert.False(ApiTokenRules.ShouldRecordUse(token, Now.AddSeconds(59)));
        Assert.True(ApiTokenRules.ShouldRecordUse(token, Now.AddMinutes(1)));
    }

    private static ApiToken Token(DateTimeOffset? expiresAt) => new()
    {
        Id = "t1", UserId = "alice", Name = "cron", Prefix = "portal_abcdef", SecretHash = new string('0', 64), CreatedAt = Now, ExpiresAt = expiresAt,
    };
}
