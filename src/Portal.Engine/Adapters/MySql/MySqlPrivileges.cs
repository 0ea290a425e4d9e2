namespace Portal.Engine.Adapters.MySql;

using MySqlConnector;

/// <summary>
/// The privileges a MariaDB/MySQL capture and restore need, and what the connected user holds on a database (its global
/// grants plus the database grants whose name pattern matches), so a refusal can list every missing privilege at once.
/// Each privilege below was found necessary by running the adapter with a user lacking it (MySqlPrivilegeTests).
/// </summary>
internal static class MySqlPrivileges
{
    /// <summary>The user and its current role, as information_schema's GRANTEE column spells them ('shop'@'%', 'role').</summary>
    private const string Grantees = """
        SELECT CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''') AS g
        UNION SELECT CONCAT('''', CURRENT_ROLE(), '''')
        """;

    /// <summary>mariadb-dump's schema, rows, view, trigger and event reads; each one fails the dump when missing.</summary>
    public static readonly IReadOnlyList<(string Privilege, string Purpose)> Capture =
    [
        ("SELECT", "to capture rows"),
        ("LOCK TABLES", "to capture the schema"),
        ("SHOW VIEW", "to capture views"),
        ("TRIGGER", "to capture triggers"),
        ("EVENT", "to capture events"),
    ];

    /// <summary>
    /// On the target database: RENAME TABLE moves old tables out (ALTER, DROP) and new ones in (CREATE, INSERT); the old
    /// views, triggers, routines and events are read, dropped and, on failure, put back; the snapshot's are created.
    /// </summary>
    public static readonly IReadOnlyList<(string Privilege, string Purpose)> Restore =
    [
        ("SELECT", "to restore"),
        ("INSERT", "to restore"),
        ("CREATE", "to restore"),
        ("DROP", "to restore"),
        ("ALTER", "to restore"),
        ("LOCK TABLES", "to restore"),
        ("CREATE VIEW", "to restore"),
        ("SHOW VIEW", "to restore"),
        ("TRIGGER", "to restore"),
        ("CREATE ROUTINE", "to restore"),
        ("ALTER ROUTINE", "to restore"),
        ("EVENT", "to restore"),
    ];

    /// <summary>On the staging and holding databases, where tables are created, loaded, indexed and renamed from and to.</summary>
    public static readonly IReadOnlyList<string> Staging = ["SELECT", "INSERT", "CREATE", "DROP", "ALTER", "LOCK TABLES"];

    /// <summary>
    /// Why the connected user cannot capture (and, with restore, restore) database, naming every privilege it lacks and
    /// what for; null when nothing is missing. What the restore of a given snapshot needs beyond this is checked on prepare.
    /// </summary>
    public static async Task<string?> ProblemAsync(MySqlConnection connection, string service, string database, bool restore, CancellationToken cancellationToken)
    {
        var granted = await OnDatabaseAsync(connection, database, cancellationToken);
        var missing = restore ? Missing(granted, Capture, Restore) : Missing(granted, Capture);
        if (missing.Count > 0)
        {
            return Describe(service, await CurrentUserAsync(connection, cancellationToken), database, missing);
        }

        var unreadable = await UnreadableRoutinesAsync(connection, database, cancellationToken);
        return unreadable.Count > 0 ? DescribeUnreadable(service, await CurrentUserAsync(connection, cancellationToken), unreadable, "to capture them") : null;
    }

    /// <summary>The connected user as the server names it (shop@%), for messages.</summary>
    public static async Task<string> CurrentUserAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT CURRENT_USER()";
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>
    /// Privileges the user (or its current role) holds on database: its global ones, plus those of the one database grant
    /// the server applies. Database grants are not added up: of those whose name pattern matches, the most specific wins.
    /// </summary>
    public static async Task<HashSet<string>> OnDatabaseAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        // A database grant's name is a LIKE pattern (`shop\_%`, and an unescaped _ matches any character), as the server reads it.
        command.CommandText = $"""
            SELECT p.GRANTEE, '*', p.PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES p JOIN ({Grantees}) who ON p.GRANTEE = who.g
            UNION ALL
            SELECT p.GRANTEE, p.TABLE_SCHEMA, p.PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES p JOIN ({Grantees}) who ON p.GRANTEE = who.g
            WHERE CAST(@name AS BINARY) LIKE CAST(p.TABLE_SCHEMA AS BINARY)
            """;
        command.Parameters.AddWithValue("@name", database);
        var rows = new List<(string Grantee, string Pattern, string Privilege)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var granted = new HashSet<string>(rows.Where(r => r.Pattern == "*").Select(r => r.Privilege), StringComparer.OrdinalIgnoreCase);
        foreach (var grantee in rows.Where(r => r.Pattern != "*").GroupBy(r => r.Grantee, StringComparer.Ordinal))
        {
            var winner = grantee.Select(r => r.Pattern).MinBy(Generality);
            granted.UnionWith(grantee.Where(r => r.Pattern == winner).Select(r => r.Privilege));
        }

        return granted;
    }

    /// <summary>
    /// Routines of database whose body the user cannot read (another user defined them and it may not read mysql.proc):
    /// mariadb-dump fails on them, and a restore could not put them back after dropping them.
    /// </summary>
    public static Task<List<string>> UnreadableRoutinesAsync(MySqlConnection connection, string database, CancellationToken cancellationToken) =>
        MySqlTables.ColumnAsync(
            connection,
            "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = @name AND ROUTINE_DEFINITION IS NULL ORDER BY ROUTINE_NAME",
            cancellationToken,
            ("@name", database));

    /// <summary>
    /// How many names a database grant's pattern matches, in the measure MariaDB 10.4+ sorts grants by (get_magic_sort):
    /// of the grants matching a database, the server applies the one with the smallest. N plain characters, M '_', K '%'
    /// runs, P the plain prefix before the first wildcard, L the characters a '%' can still take.
    /// </summary>
    private static ulong Generality(string pattern)
    {
        const ulong MaxLength = 64;
        ulong n = 0, m = 0, k = 0, p = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] is '%' or '_')
            {
                p = k == 0 && m == 0 ? n : p;
                (k, m) = pattern[i] == '%' ? (k + 1, m) : (k, m + 1);
                while (pattern[i] == '%' && i + 1 < pattern.Length && pattern[i + 1] == '%')
                {
                    i++;
                }

                continue;
            }

            i += pattern[i] == '\\' && i + 1 < pattern.Length ? 1 : 0;
            n++;
        }

        (k, m) = (Math.Min(k, 31), Math.Min(m, 31));
        ulong l = k > 0 ? MaxLength - Math.Min(MaxLength, n + m) : 0, d = MaxLength + 1, d1 = Math.Min(d, 32);
        return l > m ? ((((((l * 2) + 1) * d) + k) * d1) + m) * d + p : ((((m * 2 * d) + l) * d1) + k) * d + p;
    }

    /// <summary>
    /// The privileges from the given lists that granted lacks, each with what it is needed for, or an empty list.
    /// A privilege needed for several purposes is named once, with them all.
    /// </summary>
    public static List<(string Privilege, string Purpose)> Missing(IReadOnlySet<string> granted, params IReadOnlyList<(string Privilege, string Purpose)>[] needs) =>
        needs.SelectMany(n => n)
            .Where(n => !granted.Contains(n.Privilege))
            .GroupBy(n => n.Privilege, StringComparer.OrdinalIgnoreCase)
            .Select(g => (g.Key, string.Join(" and ", g.Select(n => n.Purpose).Distinct(StringComparer.Ordinal))))
            .ToList();

    /// <summary>"Service 'db': the MariaDB user shop@% lacks EVENT (needed to capture events) and INSERT, DROP (needed to restore) on `shop`."</summary>
    public static string Describe(string service, string user, string database, IReadOnlyList<(string Privilege, string Purpose)> missing)
    {
        var groups = missing.GroupBy(m => m.Purpose, StringComparer.Ordinal)
            .Select(g => $"{string.Join(", ", g.Select(m => m.Privilege))} (needed {g.Key})")
            .ToList();
        var list = groups.Count == 1 ? groups[0] : string.Join(", ", groups.Take(groups.Count - 1)) + " and " + groups[^1];
        return $"Service '{service}': the MariaDB user {user} lacks {list} on the database {database}. Grant these privileges to that user.";
    }

    /// <summary>The same sentence for routines the user cannot read.</summary>
    public static string DescribeUnreadable(string service, string user, IReadOnlyList<string> routines, string purpose) =>
        $"Service '{service}': the MariaDB user {user} cannot read the routines {string.Join(", ", routines)}, which another user defined; "
        + $"it needs SELECT on mysql.proc {purpose}.";
}
