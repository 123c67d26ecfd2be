/* A worker that reports through libsystemd's own sd_notify(): the reference
 * client. Usage: sd_notify_worker STATE [--hold]
 * With --hold it stays alive until its stdin is closed. Exits 0 if sd_notify()
 * reported the message as sent. */
#include <systemd/sd-daemon.h>

#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        return 2;
    }
    const int sent = sd_notify(0, argv[1]);
    if (argc > 2 && strcmp(argv[2], "--hold") == 0) {
        char byte;
        while (read(STDIN_FILENO, &byte, 1) > 0) {
        }
    }
    return sent > 0 ? 0 : 1;
}
