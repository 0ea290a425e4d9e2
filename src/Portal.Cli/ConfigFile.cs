namespace Portal.Cli;

using System.Text.Json;

/// <summary>What <c>portal auth:login</c> remembers: the server and the token.</summary>
internal sealed record CliConfig
{
    public string? Url { get; init; }

    public string? Token { get; init; }
}

/// <summary>
/// The config file, <c>$XDG_CONFIG_HOME/portal/config.json</c> (else <c>~/.config/portal/config.json</c>). It holds a
/// secret, so it is created 0600 in a 0700 folder and rewritten by a rename, never left readable by others for an instant.
/// </summary>
internal sealed class ConfigFile(string path)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Path { get; } = path;

    public static ConfigFile For(CliConsole console)
    {
        var root = console.Variable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(console.Variable("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new ConfigFile(System.IO.Path.Combine(root, "portal", "config.json"));
    }

    public CliConfig Load()
    {
        if (!File.Exists(Path))
        {
            return new CliConfig();
        }

        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(Path), Json) ?? new CliConfig();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"{Path} is not a config file this tool wrote ({e.Message}); delete it and run portal auth:login.");
        }
    }

    public void Save(CliConfig config)
    {
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path, JsonSerializer.Serialize(config, Json));
            return;
        }

        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = Path + ".tmp";
        File.Delete(temp);
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, config, Json);
        }

        File.Move(temp, Path, overwrite: true);
    }
}
