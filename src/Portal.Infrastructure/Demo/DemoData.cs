namespace Portal.Infrastructure.Demo;

using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

/// <summary>Writes an environment's real demo data: mounts with image-like media, and a SQLite shop database.</summary>
internal static class DemoData
{
    public const string DatabaseFile = "shop.db";
    public static readonly string[] Mounts = ["var", "pub/media", "app/etc"];

    public static void Write(string root, string environmentName, int mediaFiles)
    {
        var random = new Random(StableSeed(environmentName));
        WriteMedia(Path.Combine(root, "pub", "media"), mediaFiles, random);
        WriteVar(Path.Combine(root, "var"), environmentName, random);
        WriteAppEtc(Path.Combine(root, "app", "etc"), environmentName);
        WriteShopDatabase(Path.Combine(root, DatabaseFile), random);
    }

    private static void WriteMedia(string folder, int count, Random random)
    {
        // Random bytes behind a JPEG header: as incompressible as real product photos.
        byte[] header = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00];
        for (var i = 0; i < count; i++)
        {
            var dir = Path.Combine(folder, "catalog", "product", ((char)('a' + (i % 7))).ToString(), ((char)('a' + (i % 5))).ToString());
            Directory.CreateDirectory(dir);
            var bytes = new byte[random.Next(4_000, 28_000)];
            random.NextBytes(bytes);
            header.CopyTo(bytes, 0);
            File.WriteAllBytes(Path.Combine(dir, $"product-{i:D4}.jpg"), bytes);
        }

        Directory.CreateDirectory(Path.Combine(folder, "wysiwyg"));
        Directory.CreateDirectory(Path.Combine(folder, "tmp"));
    }

    private static void WriteVar(string folder, string environmentName, Random random)
    {
        Directory.CreateDirectory(Path.Combine(folder, "log"));
        Directory.CreateDirectory(Path.Combine(folder, "session"));
        Directory.CreateDirectory(Path.Combine(folder, "cache"));
        var log = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            log.Append(CultureInfo.InvariantCulture, $"[2026-11-{1 + (i % 25):D2} 10:{i % 60:D2}:00] main.INFO: cron job catalog_index_refresh ran on {environmentName} ({random.Next(40, 900)} ms)\n");
        }

        File.WriteAllText(Path.Combine(folder, "log", "system.log"), log.ToString());
        File.WriteAllText(Path.Combine(folder, "log", "exception.log"), "");
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(folder, "session", $"sess_{random.Next():x8}{i:x2}"), $"customer_id|i:{random.Next(1, 100)};cart|a:0:{{}}");
        }
    }

    private static void WriteAppEtc(string folder, string environmentName)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "env.php"),
            $"<?php\nreturn [\n    'MAGE_MODE' => 'production',\n    'backend' => ['frontName' => 'admin_{environmentName.Replace('-', '_')}'],\n    'session' => ['save' => 'redis'],\n];\n");
        File.WriteAllText(Path.Combine(folder, "config.php"),
            "<?php\nreturn [\n    'modules' => [\n        'Magento_Store' => 1,\n        'Magento_Catalog' => 1,\n        'Magento_Sales' => 1,\n    ],\n];\n");
    }

    private static void WriteShopDatabase(string path, Random random)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var transaction = connection.BeginTransaction();
        Execute(connection, """
            CREATE TABLE catalog_product (entity_id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL, price NUMERIC NOT NULL, qty INTEGER NOT NULL);
            CREATE TABLE customer (entity_id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, firstname TEXT NOT NULL, lastname TEXT NOT NULL);
            CREATE TABLE sales_order (entity_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(entity_id), status TEXT NOT NULL, grand_total NUMERIC NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE sales_order_item (item_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES sales_order(entity_id), product_id INTEGER NOT NULL REFERENCES catalog_product(entity_id), qty INTEGER NOT NULL, price NUMERIC NOT NULL);
            """);
        string[] words = ["Linen", "Wool", "Cotton", "Canvas", "Leather", "Denim", "Silk"];
        string[] items = ["Shirt", "Jacket", "Bag", "Scarf", "Sneaker", "Cap", "Belt"];
        for (var i = 1; i <= 200; i++)
        {
            Execute(connection, "INSERT INTO catalog_product VALUES ($id, $sku, $name, $price, $qty)",
                ("$id", i), ("$sku", $"SKU-{i:D5}"), ("$name", $"{words[i % words.Length]} {items[i % items.Length]} {i}"),
                ("$price", Math.Round(random.NextDouble() * 200 + 5, 2)), ("$qty", random.Next(0, 500)));
        }

        for (var i = 1; i <= 100; i++)
        {
            Execute(connection, "INSERT INTO customer VALUES ($id, $email, $first, $last)",
                ("$id", i), ("$email", $"customer{i}@example.com"), ("$first", $"First{i}"), ("$last", $"Last{i}"));
        }

        var itemId = 1;
        for (var i = 1; i <= 300; i++)
        {
            Execute(connection, "INSERT INTO sales_order VALUES ($id, $customer, $status, $total, $at)",
                ("$id", i), ("$customer", random.Next(1, 101)), ("$status", i % 9 == 0 ? "canceled" : "complete"),
                ("$total", Math.Round(random.NextDouble() * 400 + 10, 2)), ("$at", $"2026-11-{1 + (i % 25):D2}T12:00:00Z"));
            for (var j = 0; j < 2; j++)
            {
                Execute(connection, "INSERT INTO sales_order_item VALUES ($id, $order, $product, $qty, $price)",
                    ("$id", itemId++), ("$order", i), ("$product", random.Next(1, 201)), ("$qty", random.Next(1, 4)),
                    ("$price", Math.Round(random.NextDouble() * 200 + 5, 2)));
            }
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    // string.GetHashCode is randomised per process; the demo must be the same on every machine.
    private static int StableSeed(string text) => text.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));
}
