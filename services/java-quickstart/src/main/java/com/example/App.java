package com.example;

import com.clerk.backend_api.helpers.security.AuthenticateRequest;
import com.clerk.backend_api.helpers.security.models.AuthenticateRequestOptions;
import com.clerk.backend_api.helpers.security.models.RequestState;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jsonwebtoken.Claims;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

// A JDK-only HTTP server with request authentication as Clerk's Java SDK README writes it, and
// nothing else: the secret key from the environment (CLERK_SECRET_KEY),
// AuthenticateRequest.authenticateRequest() in its default, networked configuration (it fetches
// the JWKS from https://api.clerk.com/v1/jwks with the secret key), the app's own front end as
// its authorized party, and a route telling the front end who is signed in. No route is written
// for the harness.
public final class App {

  private static final String SECRET_KEY = System.getenv("CLERK_SECRET_KEY");

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "3000"));
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/me", App::me);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    System.out.println("Example app listening at http://localhost:" + port);
  }

  // The signed-in user, for the front end.
  private static void me(HttpExchange exchange) throws IOException {
    try {
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "{\"error\":\"Method Not Allowed\"}");
        return;
      }
      RequestState state = AuthenticateRequest.authenticateRequest(
          exchange.getRequestHeaders(),
          AuthenticateRequestOptions.secretKey(SECRET_KEY)
              .authorizedParty("http://localhost:3000")
              .build());
      if (!state.isSignedIn() || state.claims().isEmpty()) {
        send(exchange, 401, "{\"error\":\"Unauthenticated\"}");
        return;
      }
      Claims claims = state.claims().get();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("userId", claims.getSubject());
      body.put("sessionId", claims.get("sid"));
      body.put("orgId", claims.get("org_id"));
      body.put("orgRole", claims.get("org_role"));
      send(exchange, 200, toJson(body));
    } catch (RuntimeException e) {
      // HttpServer drops the connection on an uncaught exception: log it, answer 500 instead.
      e.printStackTrace();
      send(exchange, 500, "{\"error\":\"Internal Server Error\"}");
    } finally {
      exchange.close();
    }
  }

  private static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  // Like res.json() in Express: keys whose value is absent are left out.
  private static String toJson(Map<String, Object> map) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append(quote(e.getKey())).append(':').append(quote(String.valueOf(e.getValue())));
    }
    return sb.append('}').toString();
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
