using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ViGoR.Annotation.Web;

/// <summary>Where the stand-alone server listens.</summary>
public sealed class AnnotationServerOptions
{
    /// <summary>The address to bind; loopback (127.0.0.1) by default. Any other needs <see cref="AnnotationToolOptions.Token"/>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one (see <see cref="AnnotationServer.Url"/>).</summary>
    public int Port { get; init; } = 8765;
}

/// <summary>
/// The annotation tool on its own Kestrel server, as <c>vigor annotate</c> runs it. An app that
/// already has a web host maps <see cref="AnnotationToolEndpoints.MapAnnotationTool"/> instead.
/// </summary>
public sealed class AnnotationServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AnnotationServer(WebApplication app, AnnotationTool tool, Uri url)
    {
        _app = app;
        Tool = tool;
        Url = url;
    }

    /// <summary>The session being served.</summary>
    public AnnotationTool Tool { get; }

    /// <summary>The address to open (with the token, when there is one, as <c>?token=</c>).</summary>
    public Uri Url { get; }

    /// <summary>Opens the output, binds and starts serving.</summary>
    /// <exception cref="InvalidOperationException">The address is not loopback and there is no token.</exception>
    public static async Task<AnnotationServer> StartAsync(AnnotationToolOptions tool, AnnotationServerOptions server, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var address = server.Host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(server.Host, out var parsed) ? parsed
            : throw new ArgumentException($"--host: '{server.Host}' is not an IP address.", nameof(server));
        if (!IPAddress.IsLoopback(address) && string.IsNullOrEmpty(tool.Token))
        {
            throw new InvalidOperationException($"Refusing to listen on {server.Host} without a token: anyone who can reach it could read the images and write labels. Give --token, or keep the default 127.0.0.1.");
        }

        var session = AnnotationTool.Open(tool, loggerFactory.CreateLogger<AnnotationTool>());
        try
        {
            // The assembly's folder as content root: an appsettings.json in the annotator's working folder must not reconfigure the server.
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(address, server.Port);
                k.Limits.MaxRequestBodySize = tool.MaxRequestBodyBytes + 1;
            });
            var app = builder.Build();
            app.MapAnnotationTool(session);
            await app.StartAsync(cancellationToken);
            var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            var url = new UriBuilder(bound) { Path = "/", Query = string.IsNullOrEmpty(tool.Token) ? string.Empty : "token=" + Uri.EscapeDataString(tool.Token) }.Uri;
            return new AnnotationServer(app, session, url);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled or the host shuts down (SIGTERM).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Tool.Dispose();
    }
}
