namespace Portal.Engine.Adapters.MySql;

using System.Text;
using System.Text.RegularExpressions;

/// <summary>
/// Rewrites DEFINER=`user`@`host` to DEFINER=CURRENT_USER in a MySQL dump as it streams to the client, so views,
/// triggers, routines and events restore under the restoring user, who need not hold SUPER/SET USER nor match the
/// user of the environment the snapshot came from. Data lines (INSERT) pass through untouched.
/// </summary>
internal sealed partial class DefinerFilter(Stream inner) : LineFilter
{
    private static readonly byte[] Insert = "INSERT INTO "u8.ToArray();

    /// <summary>The same rewrite for one statement, e.g. a definition SHOW CREATE returned.</summary>
    public static string ToCurrentUser(string sql) => Definer().Replace(sql, "DEFINER=CURRENT_USER");

    protected override void WriteLine(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith(Insert) && line.IndexOf("DEFINER="u8) >= 0)
        {
            inner.Write(Encoding.UTF8.GetBytes(ToCurrentUser(Encoding.UTF8.GetString(line))));
        }
        else
        {
            inner.Write(line);
        }
    }

    protected override void FlushOutput() => inner.Flush();

    [GeneratedRegex("DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`")]
    private static partial Regex Definer();
}
