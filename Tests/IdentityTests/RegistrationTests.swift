import Testing

@testable import Identity

@Suite struct RegistrationTests {
    var fresh: Registration { Registration(id: "r", browserHash: "b", expiresAt: 100) }

    @Test func backGoesOneStepAndStopsAtTheStart() {
        var registration = fresh
        let expected: [Registration.Step: Registration.Step] = [
            .school: .identity, .method: .school, .personal: .method, .confirm: .personal, .consent: .confirm,
            .account: .consent, .summary: .account, .identity: .identity, .done: .done,
        ]
        for (step, previous) in expected {
            registration.step = step
            #expect(registration.previous == previous, "\(step)")
        }
    }

    @Test func laterStepsNeedTheirData() {
        var registration = fresh
        #expect(registration.canShow(.school))
        #expect(!registration.canShow(.method))
        #expect(!registration.canShow(.confirm))
        registration.level = .elementary
        registration.schoolCode = "193662"
        #expect(registration.canShow(.method) && registration.canShow(.personal))
        #expect(!registration.canShow(.account))
        registration.record = RegistryRecord(
            nationalID: "A123456789", name: "林小華", school: SchoolKey(code: "193662", level: .elementary), grade: 6,
            classNo: "04", seatNo: 7, academicYear: "114", semester: "1", status: .enrolled)
        registration.step = .confirm
        #expect(registration.canShow(.consent))
        #expect(!registration.canShow(.account), "the account step comes only after consent")
        registration.step = .account
        #expect(registration.canShow(.account))
        #expect(!registration.canShow(.summary))
        registration.username = "lin.xiaohua"
        registration.passwordHash = "$argon2id$…"
        #expect(registration.canShow(.summary))
        #expect(!registration.canShow(.done))
    }
}
