import Foundation
import Logging
import SQLKit
import Testing

@testable import Storage

/// The databases the storage suite runs on: SQLite always, and PostgreSQL when `EDU_SSO_TEST_POSTGRES_URL` names
/// a server where the tests may create databases (`./scripts/test` starts one). Each test gets a fresh database.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var available: [Backend] {
        ProcessInfo.processInfo.environment["EDU_SSO_TEST_POSTGRES_URL"].map { _ in [.sqlite, .postgres] } ?? [.sqlite]
    }

    var testDescription: String { rawValue }

    /// A migrated store on a database of its own, removed again after `body`. `cacheTTL` zero turns the read
    /// caches off, so that SQLite too answers every read with a query, as PostgreSQL answers revocation checks.
    func withStore(cacheTTL: Duration = .seconds(1), _ body: (SQLStore) async throws -> Void) async throws {
        try await withDatabase { url in
            let store = try SQLStore.open(url: url, logger: Logger(label: "test"), cacheTTL: cacheTTL)
            do {
                try await store.migrate()
                try await body(store)
            } catch {
                try? await store.shutdown()
                throw error
            }
            try await store.shutdown()
        }
    }

    /// The URL of an empty database of its own, removed again after `body`.
    func withDatabase(_ body: (String) async throws -> Void) async throws {
        let (url, cleanup) = try await makeDatabase()
        do {
            try await body(url)
        } catch {
            try? await cleanup()
            throw error
        }
        try await cleanup()
    }

    private func makeDatabase() async throws -> (String, @Sendable () async throws -> Void) {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-store-\(UUID().uuidString)")
            return ("sqlite:\(directory.path)/test.sqlite", { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            guard let admin = ProcessInfo.processInfo.environment["EDU_SSO_TEST_POSTGRES_URL"],
                var components = URLComponents(string: admin)
            else { throw DatabaseError.unsupportedURL("EDU_SSO_TEST_POSTGRES_URL") }
            let name = "edu_sso_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await Self.administer(admin, "CREATE DATABASE \(name)")
            components.path = "/" + name
            let url = components.string ?? admin
            return (url, { try await Self.administer(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
        }
    }

    private static func administer(_ url: String, _ statement: String) async throws {
        var settings = DatabaseSettings()
        settings.minimumConnections = 0
        let admin = try SQLStore.open(url: url, settings: settings, logger: Logger(label: "test"))
        do {
            try await admin.write { db in try await db.raw(SQLQueryString(statement)).run() }
        } catch {
            try? await admin.shutdown()
            throw error
        }
        try await admin.shutdown()
    }
}
