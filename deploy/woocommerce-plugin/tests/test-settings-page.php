<?php
/**
 * The settings page: its fields, the connect call after a save, and uninstalling.
 *
 * @package Balas_WhatsApp
 */

function settings_page(): Balas_WhatsApp_Settings_Page {
	return new Balas_WhatsApp_Settings_Page( new Balas_WhatsApp_Options(), new Balas_WhatsApp_Connect() );
}

/** The HTML of one field of the form. */
function render_settings_field( string $key, string $type ): string {
	ob_start();
	settings_page()->render_field(
		array(
			'key'         => $key,
			'label_for'   => 'balas_whatsapp_' . $key,
			'type'        => $type,
			'description' => 'About <this> field',
			'choices'     => array(
				'bottom-right' => 'Bottom right',
				'bottom-left'  => 'Bottom left',
			),
		)
	);
	return ob_get_clean();
}

function test_the_token_field_never_shows_the_saved_token() {
	save_settings( array( 'token' => 'tok_secret_0123456789' ) );

	$html = render_settings_field( 'token', 'password' );

	assert_not_contains( 'tok_secret', $html );
	assert_not_contains( '6789', $html );
	assert_contains( 'type="password"', $html );
	assert_contains( 'value=""', $html );
	assert_contains( 'name="balas_whatsapp_settings[clear_token]"', $html );
}

function test_text_fields_show_the_saved_value_escaped() {
	save_settings( array( 'message' => 'Halo "kak" <b>' ) );

	$html = render_settings_field( 'message', 'text' );

	assert_contains( 'name="balas_whatsapp_settings[message]" value="Halo &quot;kak&quot; &lt;b&gt;"', $html );
	assert_contains( 'About &lt;this&gt; field', $html );
}

function test_the_position_select_marks_the_saved_corner() {
	save_settings( array( 'position' => 'bottom-left' ) );

	$html = render_settings_field( 'position', 'select' );

	assert_contains( "<option value=\"bottom-left\" selected='selected'>", $html );
	assert_contains( '<option value="bottom-right">', $html );
}

function test_the_first_complete_save_connects_and_says_the_settings_were_saved() {
	$settings = save_settings();

	settings_page()->on_added( Balas_WhatsApp_Options::NAME, $settings );

	assert_same( 1, count( WP_Stub::$http_calls ) );
	assert_same(
		array(
			array(
				'setting' => 'balas_whatsapp_settings',
				'code'    => 'balas_whatsapp_connect',
				'message' => 'Settings saved. Connected to Balas as store toko-batik.',
				'type'    => 'success',
			),
		),
		WP_Stub::$settings_errors
	);
}

function test_a_save_that_changes_the_token_connects_again() {
	$before = save_settings();

	settings_page()->on_updated( $before, array_merge( $before, array( 'token' => 'tok_new_0123456789' ) ) );

	assert_same( 'Bearer tok_new_0123456789', WP_Stub::$http_calls[0]['args']['headers']['Authorization'] );
}

function test_a_save_that_leaves_the_connection_alone_does_not_call_balas() {
	$before = save_settings();

	settings_page()->on_updated( $before, array_merge( $before, array( 'label' => 'Tanya kami' ) ) );

	assert_same( array(), WP_Stub::$http_calls );
}

function test_an_incomplete_connection_does_not_call_balas() {
	$before = save_settings( array( 'token' => '' ) );

	settings_page()->on_updated( $before, array_merge( $before, array( 'store_id' => 'toko-baru' ) ) );

	assert_same( array(), WP_Stub::$http_calls );
}

function test_a_failed_connect_after_a_save_is_reported_not_raised() {
	WP_Stub::$http_response = new WP_Error( 'http_request_failed', 'Could not resolve host' );
	$settings               = save_settings();

	settings_page()->on_added( Balas_WhatsApp_Options::NAME, $settings );

	assert_same( 'Settings saved. Balas could not be reached: Could not resolve host', WP_Stub::$settings_errors[0]['message'] );
	assert_same( 'error', WP_Stub::$settings_errors[0]['type'] );
	assert_same( $settings, get_option( Balas_WhatsApp_Options::NAME ), 'the settings stay saved' );
}

function test_the_plugin_hooks_the_button_into_the_storefront() {
	balas_whatsapp_boot();

	assert_same( 1, count( WP_Stub::$hooks['wp_footer'] ) );
	assert_same( 1, count( WP_Stub::$hooks['wp_enqueue_scripts'] ) );
	assert_same( false, isset( WP_Stub::$hooks['admin_menu'] ), 'the settings page is hooked only in the admin' );
	assert_same( 1, count( WP_Stub::$hooks['woocommerce_checkout_fields'] ) );
	assert_same( 1, count( WP_Stub::$hooks['balas_whatsapp_report_consent'] ) );
	assert_same( array( 'balas-whatsapp balas-whatsapp/languages' ), WP_Stub::$textdomains );
}

function test_the_settings_page_registers_its_hooks() {
	settings_page()->register();

	foreach ( array( 'admin_menu', 'admin_init', 'option_page_capability_balas_whatsapp', 'add_option_balas_whatsapp_settings', 'update_option_balas_whatsapp_settings', 'admin_post_balas_whatsapp_connect' ) as $hook ) {
		assert_same( 1, count( WP_Stub::$hooks[ $hook ] ?? array() ), $hook );
	}
	assert_same( 'manage_options', settings_page()->capability(), 'without WooCommerce the page is under Settings' );
}

function test_uninstalling_deletes_the_settings_and_the_pending_reports() {
	save_settings();
	wp_schedule_single_event( time(), 'balas_whatsapp_report_consent', array( 1207, 1 ) );
	wp_schedule_single_event( time(), 'another_plugins_event', array() );
	define( 'WP_UNINSTALL_PLUGIN', 'balas-whatsapp/balas-whatsapp.php' );

	require BALAS_WHATSAPP_PLUGIN_DIR . '/uninstall.php';

	assert_same( false, get_option( Balas_WhatsApp_Options::NAME ) );
	assert_same( array( 'another_plugins_event' ), array_column( WP_Stub::$cron, 'hook' ) );
}
