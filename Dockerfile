# syntax=docker/dockerfile:1
# The TaskFlow server as a container image: one image for every role (the API, the workers, the migrations step),
# chosen by the argument --role, as ./run.sh runs the same DLL with role "all". From the repository root:
#   docker build -t taskflow:1.0.0 .
#   docker run -e ConnectionStrings__TaskFlow="Host=...;Database=taskflow;Username=...;Password=..." -p 8080:8080 taskflow:1.0.0 --role all
# deploy/helm/taskflow runs it on Kubernetes; tests/TaskFlow.Server.Tests/Deployment checks this file against run.sh
# and the chart (no container runtime is at hand where the tests run).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The platform the image is built for (amd64, arm64): the server is compiled ahead of time for it.
ARG TARGETARCH
WORKDIR /src
# The project files first, so a change to the code alone reuses the restored packages' layer.
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props NuGet.config ./
COPY artifacts/feed/README.md artifacts/feed/
COPY src/Core/TaskFlow.Core.csproj src/Core/
COPY src/Api/TaskFlow.Api.csproj src/Api/
COPY src/Server/TaskFlow.Server.csproj src/Server/
RUN dotnet restore src/Server/TaskFlow.Server.csproj -a $TARGETARCH -p:PublishReadyToRun=true
COPY src/Core/ src/Core/
COPY src/Api/ src/Api/
COPY src/Server/ src/Server/
# ReadyToRun: the assemblies carry native code, so a process that starts against a backlog runs compiled code from its
# first task instead of compiling as it goes; hot methods are still recompiled with the runtime's profile (docs/kubernetes.md).
RUN dotnet publish src/Server/TaskFlow.Server.csproj -c Release -a $TARGETARCH --no-self-contained -p:PublishReadyToRun=true \
    --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Kestrel (the API, and a worker's /healthz, /readyz and /metrics) on 8080; logs as one JSON object a line.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    TaskFlow__Logging__Json=true
EXPOSE 8080
# The image's non-root user (uid 1654, "app"); nothing is written to the file system.
USER $APP_UID
# No curl in the runtime image: bash's /dev/tcp asks /healthz (Kubernetes ignores this and uses the chart's probes).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "TaskFlow.Server.dll"]
CMD ["--role", "all"]
