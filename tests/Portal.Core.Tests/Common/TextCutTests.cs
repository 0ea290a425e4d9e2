namespace Portal.Core.Tests;

using System.Text;
using Portal.Core.Common;

public sealed class TextCutTests
{
    [Theory]
    [InlineData("short", 10, "short")]
    [InlineData("exactly10!", 10, "exactly10!")]
    [InlineData("one character too long", 21, "one character too lo…")]
    public void TextIsKeptWhenItFitsAndEndsInAnEllipsisWhenCut(string text, int length, string expected) =>
        Assert.Equal(expected, TextCut.Fit(text, length));

    [Fact]
    public void ACutNeverSplitsASurrogatePairSoTheResultIsStillValidUtf8()
    {
        // "ab" then an emoji (two UTF-16 units) at positions 2-3: a cut at 4 would keep only its first half.
        var cut = TextCut.Fit("ab\U0001F600cdef", 4);

        Assert.Equal("ab…", cut);
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Assert.Equal(cut, strict.GetString(strict.GetBytes(cut)));
    }
}
