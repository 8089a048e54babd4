using Microsoft.Extensions.FileProviders;

namespace TaskFlow.Server.Dashboard;

/// <summary>The dashboard's page, script and style sheet, served at <c>/</c> from resources embedded in this assembly:
/// no build step, no files to deploy beside the binary, and the same bytes wherever the server is started from.</summary>
internal static class DashboardFiles
{
    // The csproj embeds Dashboard/*.html|js|css under this prefix; EmbeddedFileProvider maps "/x.js" to "prefix.x.js".
    private const string ResourcePrefix = "TaskFlow.Dashboard";

    /// <summary>Anyone may load the files: they hold no data. Every call they make to the API carries the operator's key.</summary>
    public static void UseDashboard(this IApplicationBuilder app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardFiles).Assembly, ResourcePrefix);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
    }
}
