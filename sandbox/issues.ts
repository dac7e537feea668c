/** Issue texts the tests and the replay recorder open in the sandbox repository. */

/** Names every area, so the analyzer sends all five agents. */
export const FULL_CREW_ISSUE = {
  title: 'Add playlists: users can group videos into playlists',
  body: [
    'As a viewer I want to save videos into named playlists.',
    '- a playlists table in the database with a migration',
    '- API endpoints to create a playlist and add a video',
    '- a playlist panel component in the web UI',
    '- deploy: add the new service to the docker compose file',
  ].join('\n'),
};
