using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;
using Spillway.Actors.Dashboard.Tests.TestKit;

namespace Spillway.Actors.Dashboard.Tests.Browser;

/// <summary>The page in a real browser: headless Chromium loads it from a live host and watches the figures move.</summary>
public sealed class DashboardPageTests
{
    private const string ProcessedFigure = "document.querySelector('[data-type=\"OrderIntake\"] [data-field=\"processed\"]')";

    /// <summary>How long the page may take to show a figure or change it: a few refreshes, with room for a slow machine.</summary>
    private const int FigureTimeoutMilliseconds = 15_000;

    [Test]
    public async Task Page_InHeadlessChromium_ShowsAnActorTypesThroughputChangingEverySecond()
    {
        Chromium.RequireInstalled();
        await using var host = await DashboardHost.StartAsync(builder => builder.Services.AddHostedService<Workload>(), systemName: "browser");
        var profile = Directory.CreateTempSubdirectory("spillway-chromium-");
        try
        {
            await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
            {
                Headless = true,
                ExecutablePath = Chromium.ExecutablePath,
                UserDataDir = profile.FullName,
                Args = Chromium.Arguments,
                Timeout = (int)Wait.Timeout.TotalMilliseconds,
            });
            await using var page = await browser.NewPageAsync();
            await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 1000 });
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e.Message);

            await page.GoToAsync(new Uri(host.BaseAddress, "/spillway").ToString(), WaitUntilNavigation.Load);
            var polling = new WaitForFunctionOptions { Timeout = FigureTimeoutMilliseconds, PollingInterval = 100 };
            await page.WaitForFunctionAsync($"() => {{ const e = {ProcessedFigure}; return e !== null && parseFloat(e.textContent.replace(/,/g, '')) > 0; }}", polling);
            var first = await page.EvaluateExpressionAsync<string>($"{ProcessedFigure}.textContent");
            await page.WaitForFunctionAsync($"(first) => {ProcessedFigure}.textContent !== first", polling, first);
            var second = await page.EvaluateExpressionAsync<string>($"{ProcessedFigure}.textContent");

            var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "spillway-dashboard.png");
            await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
            TestContext.AddTestAttachment(screenshot, "the dashboard page in headless Chromium");

            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(double.Parse(second.Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
            Assert.That(errors, Is.Empty, "script errors on the page");
            Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(10_000));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
