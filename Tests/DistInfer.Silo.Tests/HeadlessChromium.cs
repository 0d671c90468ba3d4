using Microsoft.Playwright;

namespace DistInfer.Silo.Tests;

/// <summary>The system chromium (installed by .ci/test-all.sh) as the dashboard tests drive it: headless, no sandbox.</summary>
internal static class HeadlessChromium
{
    public const string Path = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Path,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
}
