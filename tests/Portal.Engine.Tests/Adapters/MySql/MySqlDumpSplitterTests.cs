namespace Portal.Engine.Tests.Adapters.MySql;

using System.Text;
using Portal.Engine.Adapters;
using Portal.Engine.Adapters.MySql;

/// <summary>The dump splitter on the shapes mariadb-dump writes; restoring real dumps is covered against MariaDB itself.</summary>
public sealed class MySqlDumpSplitterTests
{
    private const string Header = """
        /*M!999999\- enable the sandbox mode */
        -- MariaDB dump 10.19  Distrib 10.11.19-MariaDB
        /*!40101 SET NAMES utf8mb4 */;
        /*!50503 SET character_set_client = utf8mb4 */;

        """;

    private const string Dump = Header + """
        --
        -- Table structure for table `child`
        --

        DROP TABLE IF EXISTS `child`;
        CREATE TABLE `child` (
          `id` int(11) NOT NULL,
          `parent_id` int(11) DEFAULT NULL,
          PRIMARY KEY (`id`),
          KEY `child_parent` (`parent_id`),
          CONSTRAINT `child_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON DELETE CASCADE
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
         PARTITION BY HASH (`id`)
        PARTITIONS 2;

        --
        -- Dumping data for table `child`
        --

        LOCK TABLES `child` WRITE;
        /*!40000 ALTER TABLE `child` DISABLE KEYS */;
        INSERT INTO `child` VALUES
        (1,1),
        (2,NULL);
        /*!40000 ALTER TABLE `child` ENABLE KEYS */;
        UNLOCK TABLES;
        /*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
        DELIMITER ;;
        /*!50003 CREATE*/ /*!50017 DEFINER=`shop`@`%`*/ /*!50003 TRIGGER child_check BEFORE INSERT ON child FOR EACH ROW SET NEW.id = ABS(NEW.id) */;;
        DELIMITER ;

        --
        -- Table structure for table `odd``name`
        --

        CREATE TABLE `odd``name` (
          `id` int(11) NOT NULL
        ) ENGINE=InnoDB;

        --
        -- Temporary view structure for view `v`
        --

        DROP TABLE IF EXISTS `v`;
        /*!50001 CREATE VIEW `v` AS SELECT 1 AS `id` */;

        --
        -- Dumping routines for database 'shop'
        --
        CREATE DEFINER=`shop`@`%` PROCEDURE `p`() SELECT 1;

        """;

    [Fact]
    public void TablesAndRowsGoToOnePartAndTriggersViewsAndRoutinesToTheOtherWithTheHeaderInBoth()
    {
        var (tables, programs, split) = Split(Dump, rename: null);

        Assert.StartsWith(Header, tables, StringComparison.Ordinal);
        Assert.StartsWith(Header, programs, StringComparison.Ordinal);
        Assert.Contains("CONSTRAINT `child_parent` FOREIGN KEY", tables, StringComparison.Ordinal);
        Assert.Contains("(2,NULL);", tables, StringComparison.Ordinal);
        Assert.DoesNotContain("TRIGGER", tables, StringComparison.Ordinal);
        Assert.DoesNotContain("VIEW", tables, StringComparison.Ordinal);
        Assert.DoesNotContain("PROCEDURE", tables, StringComparison.Ordinal);
        Assert.Contains("TRIGGER child_check", programs, StringComparison.Ordinal);
        Assert.Contains("CREATE VIEW `v`", programs, StringComparison.Ordinal);
        Assert.Contains("PROCEDURE `p`", programs, StringComparison.Ordinal);
        Assert.DoesNotContain("INSERT INTO", programs, StringComparison.Ordinal);
        Assert.Equal(["child", "odd`name"], split.Tables);
        Assert.Empty(split.ForeignKeys);
    }

    [Fact]
    public void WithARenameEveryTableStatementUsesTheWorkNameAndForeignKeysWaitForTheSwitch()
    {
        var (tables, _, split) = Split(Dump, rename: name => "new_" + name);

        Assert.Contains("DROP TABLE IF EXISTS `new_child`;", tables, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE `new_child` (\n", tables, StringComparison.Ordinal);
        Assert.Contains("  KEY `child_parent` (`parent_id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n PARTITION BY HASH (`id`)\nPARTITIONS 2;", tables, StringComparison.Ordinal);
        Assert.Contains("LOCK TABLES `new_child` WRITE;", tables, StringComparison.Ordinal);
        Assert.Contains("/*!40000 ALTER TABLE `new_child` DISABLE KEYS */;", tables, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO `new_child` VALUES\n(1,1),", tables, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE `new_odd``name` (", tables, StringComparison.Ordinal);
        Assert.DoesNotContain("FOREIGN KEY", tables, StringComparison.Ordinal);
        var key = Assert.Single(split.ForeignKeys);
        Assert.Equal(new MySqlForeignKey("child", "child_parent", "CONSTRAINT `child_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON DELETE CASCADE"), key);
    }

    [Fact]
    public void WithARenameAStatementThatIsNotATablesOwnIsRefusedBeforeItReachesTheTarget()
    {
        var dump = Header + "--\n-- Table structure for table `t`\n--\n\nDROP DATABASE `shop`;\n";

        var ex = Assert.Throws<SnapshotEngineException>(() => Split(dump, rename: name => "new_" + name));

        Assert.Contains("DROP DATABASE `shop`;", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADumpEndingInsideACreateTableIsCorrupt()
    {
        Assert.Throws<SnapshotCorruptException>(() => Split(Header + "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n", rename: null));
    }

    private static (string Tables, string Programs, MySqlDumpSplitter Split) Split(string dump, Func<string, string>? rename)
    {
        using var tables = new MemoryStream();
        using var programs = new MemoryStream();
        using var split = new MySqlDumpSplitter(tables, programs, rename);
        var bytes = Encoding.UTF8.GetBytes(dump.ReplaceLineEndings("\n"));
        // Odd-sized writes: lines reach the splitter cut anywhere.
        for (var at = 0; at < bytes.Length; at += 7)
        {
            split.Write(bytes.AsSpan(at, Math.Min(7, bytes.Length - at)));
        }

        split.Complete();
        return (Encoding.UTF8.GetString(tables.ToArray()), Encoding.UTF8.GetString(programs.ToArray()), split);
    }
}
