# syntax=docker/dockerfile:1
# Portal: build with the SDK image, run on the smaller ASP.NET runtime image as a non-root user.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# global.json pins the SDK this repo is tested with; the image's SDK may be of another feature band,
# and the pin (plus its test-runner setting) matters for the test run only, not for publishing.
RUN rm -f global.json
# The cache mount keeps NuGet packages between builds without putting them in a layer.
RUN --mount=type=cache,id=portal-nuget,target=/root/.nuget/packages \
    dotnet publish src/Portal.Web/Portal.Web.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
# /data holds Portal's own files (embedded database, snapshot store); owned by the image's
# non-root "app" user so a fresh named volume inherits that ownership.
RUN mkdir -p /data && chown "$APP_UID" /data
# The engine captures MariaDB/MySQL and PostgreSQL with the servers' own client tools (mariadb-dump, pg_dump…).
# pg_dump refuses a server newer than itself: PostgreSQL 16 here (Ubuntu 24.04), so a newer server needs a newer client.
RUN apt-get update \
    && apt-get install -y --no-install-recommends mariadb-client postgresql-client \
    && rm -rf /var/lib/apt/lists/*
VOLUME /data
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080 \
    Portal__DataPath=/data \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 8080
USER $APP_UID
# The image has neither curl nor wget; bash's /dev/tcp makes the health probe without adding packages.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "Portal.Web.dll"]
