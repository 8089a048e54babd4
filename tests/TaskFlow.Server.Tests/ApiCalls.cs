using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests;

/// <summary>Small HTTP helpers over the real API, so tests read as what they check.</summary>
internal static class ApiCalls
{
    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostJsonAsync(
        this HttpClient client, string path, string json, string contentType = "application/json", string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        HttpResponseMessage response = await client.SendAsync(request);
        return (response.StatusCode, await ReadJsonAsync(response), response);
    }

    public static async Task<JsonElement> SubmitAsync(this HttpClient client, string json)
    {
        (HttpStatusCode status, JsonElement body, _) = await client.PostJsonAsync("/api/tasks", json);
        Assert.True(status == HttpStatusCode.Accepted, $"Expected 202, got {(int)status}: {body}");
        return body;
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        HttpResponseMessage response = await client.GetAsync(path);
        JsonElement body = await ReadJsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>Waits until the task reaches one of <paramref name="statuses"/>; returns the task.</summary>
    public static Task<JsonElement> WaitForStatusAsync(this HttpClient client, string id, params string[] statuses) =>
        Eventually.WaitForAsync(
            () => client.GetJsonAsync($"/api/tasks/{id}"),
            task => statuses.Contains(task.GetProperty("status").GetString()),
            TimeSpan.FromSeconds(30),
            $"task {id} to be {string.Join(" or ", statuses)}");

    public static async Task<string[]> HistoryTypesAsync(this HttpClient client, string id) =>
        (await client.GetJsonAsync($"/api/tasks/{id}/history")).EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray();

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
