import Foundation
import Logging
import NIOSSL

/// HTTPS served by the node itself, from `tls_certificate_file` and `tls_key_file` (PEM). TLS 1.2 is the oldest
/// version offered, and ALPN names HTTP/1.1, the only protocol the listener speaks. The files are read at start:
/// a renewed certificate takes a restart (one node at a time behind the balancer).
enum ServerTLS {
    /// The listener's TLS configuration, or nil when the configuration names no certificate. A file that cannot
    /// be read or parsed stops the start with a message that names it (never its content).
    static func configuration(_ config: AppConfig, logger: Logger) throws -> TLSConfiguration? {
        guard let certificateFile = config.tlsCertificateFile, let keyFile = config.tlsKeyFile else { return nil }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ConfigError("tls_certificate_file \(certificateFile) is not a readable PEM certificate chain.")
        }
        guard !chain.isEmpty else { throw ConfigError("tls_certificate_file \(certificateFile) holds no certificate.") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ConfigError("tls_key_file \(keyFile) is not a readable, unencrypted PEM private key.")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        // TLS 1.2 with forward secrecy and an AEAD only (Mozilla's "intermediate"); TLS 1.3's suites all are.
        tls.cipherSuiteValues = Self.tls12CipherSuites
        tls.applicationProtocols = ["http/1.1"]
        // Refuse a key that does not belong to the certificate now, not at the first handshake.
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw ConfigError(
                "tls_key_file \(keyFile) is not the private key of the certificate in tls_certificate_file \(certificateFile) (the first certificate of the file must be the server's).")
        }
        warnIfReadableByOthers(keyFile, logger: logger)
        return tls
    }

    static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// The key is the server's identity: a copy readable by the group or by everyone is worth a word at start.
    private static func warnIfReadableByOthers(_ keyFile: String, logger: Logger) {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: keyFile))?[.posixPermissions] as? Int,
            mode & 0o077 != 0
        else { return }
        logger.warning(
            "tls_key_file can be read by other users: chmod 600 it",
            metadata: ["file": "\(keyFile)", "mode": "\(String(mode, radix: 8))"])
    }
}
