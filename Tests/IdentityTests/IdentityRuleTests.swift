import Testing

@testable import Identity

@Suite struct NationalIDTests {
    @Test func checksum() {
        #expect(NationalID.isValid("A123456789"))
        #expect(NationalID.isValid("a123456789"))
        #expect(!NationalID.isValid("A123456788"))
        #expect(!NationalID.isValid("A323456789"))  // the second digit must be 1, 2, 8 or 9
        #expect(!NationalID.isValid("1234567890"))
        #expect(!NationalID.isValid("A12345678"))
    }

    @Test func generatedIDsAreValid() {
        for serial in [0, 1, 2_345_678, 9_999_999] {
            for letter in "ABKZ" {
                #expect(NationalID.isValid(NationalID.make(letter: letter, sexDigit: 2, serial: serial)))
            }
        }
    }

    @Test func masking() {
        #expect(NationalID.masked("A123456789") == "A12****789")
    }

    @Test func usernameNormalisation() {
        #expect(Account.normalizeUsername(" Student.One@mail.edu.tw ") == "student.one")
        #expect(Account.normalizeUsername("student.one") == "student.one")
    }
}

@Suite struct PasswordHasherTests {
    @Test func argon2idRoundTripInPHCFormat() async throws {
        let hasher = PasswordHasher(parameters: .init(memoryKiB: 8 * 1024, iterations: 1, parallelism: 1))
        let hash = try await hasher.hash("Passw0rd!")
        #expect(hash.hasPrefix("$argon2id$v=19$m=8192,t=1,p=1$"))
        #expect(await hasher.verify("Passw0rd!", against: hash))
        #expect(!(await hasher.verify("Passw0rd?", against: hash)))
        #expect(!(await hasher.verify("Passw0rd!", against: "$2y$10$notargon")))
    }

    /// Hashes stored before the switch to libsodium were made by the reference libargon2: they still verify.
    /// This one is libargon2's `argon2id_hash_encoded(t=2, m=19456, p=1)` of "Passw0rd1234" with salt 01…10.
    @Test func aHashMadeByTheReferenceLibraryStillVerifies() async throws {
        let reference = "$argon2id$v=19$m=19456,t=2,p=1$AQIDBAUGBwgJCgsMDQ4PEA$6Gx9sb7fd4IA0P/9bPnrWcEo7xJamOg+V5CgL85oPtQ"
        let hasher = PasswordHasher(parameters: .owasp)
        #expect(await hasher.verify("Passw0rd1234", against: reference))
        #expect(!(await hasher.verify("Passw0rd1235", against: reference)))
        #expect(!hasher.needsRehash(reference))
        // And what libsodium writes is the same PHC string shape, salt and hash unpadded Base64.
        let fresh = try await hasher.hash("Passw0rd1234")
        let fields = fresh.split(separator: "$")
        #expect(fields.count == 5 && fields[2] == "m=19456,t=2,p=1" && fields[3].count == 22 && fields[4].count == 43)
    }

    @Test func weakerParametersNeedRehash() async throws {
        let weak = PasswordHasher(parameters: .init(memoryKiB: 8 * 1024, iterations: 1, parallelism: 1))
        let hash = try await weak.hash("secret123")
        #expect(PasswordHasher(parameters: .owasp).needsRehash(hash))
        #expect(!weak.needsRehash(hash))
    }
}

@Suite struct LoginThrottleTests {
    let throttle = LoginThrottle()

    @Test func firstFailuresAreFree() {
        #expect(throttle.decide(accountFailures: [100, 101, 102], ipFailures: [], now: 103) == .allowed)
    }

    @Test func delaysGrowAfterFreeFailures() {
        #expect(throttle.decide(accountFailures: [100, 101, 102, 103], ipFailures: [], now: 103) == .wait(seconds: 1))
        #expect(throttle.decide(accountFailures: [100, 101, 102, 103, 104, 105], ipFailures: [], now: 105) == .wait(seconds: 4))
        #expect(throttle.decide(accountFailures: [100, 101, 102, 103], ipFailures: [], now: 200) == .allowed)
    }

    @Test func manyFailuresLockTheAccount() {
        let failures = Array(Int64(100)..<Int64(110))
        #expect(throttle.decide(accountFailures: failures, ipFailures: [], now: 111) == .locked(until: 109 + 900))
    }

    @Test func ipFailuresAcrossAccountsAreThrottled() {
        // A school's typos (well below the address allowance) hold up nobody who has not failed.
        #expect(throttle.decide(accountFailures: [], ipFailures: Array(Int64(100)..<Int64(200)), now: 200) == .allowed)
        // A script spraying one password over many accounts from one address is slowed down.
        let failures = Array(Int64(100)..<Int64(405))
        #expect(throttle.decide(accountFailures: [], ipFailures: failures, now: 404) != .allowed)
    }
}
