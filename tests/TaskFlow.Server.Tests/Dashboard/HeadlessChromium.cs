using Microsoft.Playwright;

namespace TaskFlow.Server.Tests.Dashboard;

/// <summary>Launch options for the machine's own Chromium (TASKFLOW_CHROMIUM, else /usr/bin/chromium, which
/// scripts/chromium.sh installs): Playwright drives it over CDP, so no browser is downloaded.</summary>
internal static class HeadlessChromium
{
    public static BrowserTypeLaunchOptions Options()
    {
        string path = Environment.GetEnvironmentVariable("TASKFLOW_CHROMIUM") is { Length: > 0 } set ? set : "/usr/bin/chromium";
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"No Chromium at {path}. Run ./test.sh (scripts/chromium.sh installs Debian's chromium), or set TASKFLOW_CHROMIUM.");
        }

        return new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            // Root in CI has no user namespace sandbox; nothing here may reach beyond 127.0.0.1.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            Timeout = 60_000,
        };
    }
}
