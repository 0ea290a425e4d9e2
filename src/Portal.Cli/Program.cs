using Portal.Cli;

return await new CliApp(CliConsole.System(), TimeProvider.System).RunAsync(args);
